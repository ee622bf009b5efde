package io.ragstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.bench.EmbedBenchmark;
import io.ragstream.embedder.BatchEmbedder;
import io.ragstream.embedder.EmbedBatchProcessor;
import io.ragstream.embedder.EmbedderConfig;
import io.ragstream.embedder.EmbedderMetrics;
import io.ragstream.embedder.EmbedderStageConfig;
import io.ragstream.embedding.ModelSettings;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Settings;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream bench pipeline}: publishes a BEIR corpus (the whole one by default) into a fresh embedded stack,
 * waits until every chunk is indexed, and compares the end-to-end chunks/s with ragstream's own embedder
 * ({@link BatchEmbedder}, the settings the stage ran with) over the very chunk texts the stage embedded: the
 * strongest baseline, so the ratio is what Kafka, Tika, chunking and indexing cost on top of embedding. A plain
 * single-session ONNX loop is printed too, for reference only.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Publish a BEIR corpus into a fresh embedded stack, wait until every chunk is indexed; print"
        + " chunks/s and RESULT pipeline_vs_embedder=<end-to-end chunks/s over ragstream's own embedder loop on the"
        + " same chunks with the same settings>.")
final class BenchPipelineCommand implements Callable<Integer> {
  @Option(names = "--dataset", required = true, description = "BEIR dataset directory (with corpus.jsonl)")
  Path dataset;

  @Option(names = "--limit", defaultValue = "" + Integer.MAX_VALUE,
      description = "documents to publish (default: the whole corpus)")
  int limit;

  @Option(names = "--plain-loop", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "also time a plain single-session ONNX loop, for reference (default: ${DEFAULT-VALUE})")
  boolean plainLoop;

  @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID) String model;

  @Option(names = "--timeout-s", defaultValue = "900", description = "give up after this many seconds")
  long timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    List<JsonNode> docs = corpus(dataset.resolve("corpus.jsonl"), limit);
    Path dataDir = Files.createTempDirectory("ragstream-bench-pipeline");
    MeterRegistry metrics = new SimpleMeterRegistry();
    long chunks;
    double pipelineSeconds;
    List<String> texts;
    try (EmbeddedStack stack = EmbeddedStack.start(new StackConfig(dataDir, 0, 0, 0, model,
        StackConfig.DEFAULT_MAX_UPLOAD_BYTES, Topics.DEFAULT_PREFIX, "g1"), metrics);
        DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "bench-pipeline")) {
      System.out.printf("bench pipeline: publishing %d documents of %s%n", docs.size(), dataset);
      long start = System.nanoTime();
      for (JsonNode doc : docs) {
        // as `eval` and `bench ingest` publish them: markdown with the title as heading
        var beir = new io.ragstream.query.eval.BeirDataset.CorpusDoc(doc.path("_id").asText(),
            doc.path("title").asText(), doc.path("text").asText());
        publisher.publish("beir-" + beir.id(), "default", "text/markdown", beir.id() + ".md",
            CorpusIngest.markdown(beir).getBytes(StandardCharsets.UTF_8), Map.of());
      }
      long end = awaitIndexed(stack.kafkaSettings(), metrics, start, Duration.ofSeconds(timeoutSeconds));
      pipelineSeconds = (end - start) / 1e9;
      texts = chunkTexts(stack.kafkaSettings());
      chunks = texts.size();
    } finally {
      deleteTree(dataDir);
    }
    // the embedder stage's own settings (RAGSTREAM_EMBEDDER_* from the environment, as the stack read them)
    EmbedderConfig batching = EmbedderStageConfig.from(Settings.resolve(EmbedderStageConfig.ALL,
        Map.of(ModelSettings.MODEL.key(), model, CommonSettings.DATA_DIR.key(), dataDir.toString(),
            EmbedderStageConfig.CACHE.key(), "false"), System.getenv()), System.getenv()).batching();
    double embedderSeconds;
    try (OnnxEmbeddingModel onnx = EmbeddingModels.load(model, batching.onnx());
        BatchEmbedder embedder = new BatchEmbedder(onnx, batching, new EmbedderMetrics(new SimpleMeterRegistry(),
            model))) {
      embedder.embed(texts.subList(0, Math.min(64, texts.size())));
      long start = System.nanoTime();
      embedder.embed(texts);
      embedderSeconds = (System.nanoTime() - start) / 1e9;
    }
    double rawSeconds = Double.NaN;
    if (plainLoop) {
      try (OnnxEmbeddingModel plain = EmbeddingModels.load(model, OnnxOptions.defaults())) {
        EmbedBenchmark.plainLoop(plain, texts.subList(0, Math.min(64, texts.size())));
        long start = System.nanoTime();
        EmbedBenchmark.plainLoop(plain, texts);
        rawSeconds = (System.nanoTime() - start) / 1e9;
      }
    }
    double pipelineRate = chunks / pipelineSeconds;
    double embedderRate = chunks / embedderSeconds;
    System.out.printf(Locale.ROOT, "%n%-52s %8s %10s %10s%n", "measure", "chunks", "seconds", "chunks/s");
    System.out.printf(Locale.ROOT, "%-52s %8d %10.2f %10.1f%n", "pipeline: publish -> indexed (end to end)", chunks,
        pipelineSeconds, pipelineRate);
    System.out.printf(Locale.ROOT, "%-52s %8d %10.2f %10.1f%n", "ragstream embedder alone, same chunks and settings",
        chunks, embedderSeconds, embedderRate);
    if (plainLoop) {
      System.out.printf(Locale.ROOT, "%-52s %8d %10.2f %10.1f%n", "(reference) plain ONNX loop, batch "
          + EmbedBenchmark.PLAIN_BATCH, chunks, rawSeconds, chunks / rawSeconds);
    }
    System.out.printf(Locale.ROOT, "embedder: %d calls in flight x %d intra-op threads, up to %d texts and %d"
        + " padded tokens per call; load average %s%n", batching.parallelism(), batching.onnx().intraOpThreads(),
        batching.maxBatchSize(), batching.maxBatchTokens(), BenchIngestCommand.loadAverage());
    System.out.printf(Locale.ROOT, "RESULT pipeline_vs_embedder=%.2f%n", pipelineRate / embedderRate);
    return 0;
  }

  /**
   * Waits until the indexer's upsert count stops growing while the embedder has nothing left to read, and returns
   * when the last chunk was indexed.
   */
  private static long awaitIndexed(KafkaSettings kafka, MeterRegistry metrics, long start, Duration timeout)
      throws InterruptedException {
    long deadline = start + timeout.toNanos();
    double last = -1;
    long lastChange = System.nanoTime();
    while (System.nanoTime() < deadline) {
      double indexed = metrics.find("ragstream.indexer.chunks").tag("op", "upsert").counters().stream()
          .mapToDouble(Counter::count).sum();
      double embedded = metrics.find("ragstream.stage.records.out").tag("stage", "embedder").counters().stream()
          .mapToDouble(Counter::count).sum();
      if (indexed != last) {
        last = indexed;
        lastChange = System.nanoTime();
      } else if (indexed > 0 && indexed >= embedded && System.nanoTime() - lastChange > Duration.ofSeconds(5).toNanos()
          && nothingPending(kafka)) {
        return lastChange;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the pipeline did not drain within " + timeout + " (indexed " + last + ")");
  }

  private static boolean nothingPending(KafkaSettings kafka) {
    try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.admin())) {
      return io.ragstream.runtime.lag.ConsumerLagReader.read(admin, kafka.topicPrefix()).partitions().stream()
          .allMatch(p -> p.lag() == 0);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read consumer lag", e);
    }
  }

  /** The text the embedder saw for each current chunk, read back from the chunks topic. */
  private static List<String> chunkTexts(KafkaSettings kafka) {
    var deserializer = kafka.valueSerde(Topics.CHUNKS).deserializer();
    String topic = Topics.CHUNKS.name(kafka.topicPrefix());
    List<String> texts = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumer("bench-reader", "bench-reader",
        1000))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() != null) {
            Chunk chunk = deserializer.deserialize(topic, r.value());
            texts.add(EmbedBatchProcessor.embeddingText(chunk));
          }
        }
      }
    }
    return texts;
  }

  private static List<JsonNode> corpus(Path file, int limit) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> docs = new ArrayList<>();
    try (BufferedReader lines = Files.newBufferedReader(file)) {
      String line;
      while (docs.size() < limit && (line = lines.readLine()) != null) {
        if (!line.isBlank()) {
          docs.add(json.readTree(line));
        }
      }
    }
    return docs;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
