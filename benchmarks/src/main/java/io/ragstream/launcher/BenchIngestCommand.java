package io.ragstream.launcher;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.IngestionResult;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.query.eval.BeirDataset;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream bench ingest}: how fast a corpus becomes searchable, against the simple thing a user would
 * otherwise write. In one run, on the same documents: (1) the default embedded pipeline (publish every document,
 * wait until the indexer has announced every one of them on the index-events topic, i.e. its chunks are in the
 * writer the query side searches near-real-time), and (2) langchain4j's {@code EmbeddingStoreIngestor} with
 * {@code DocumentSplitters.recursive(128, 16, HuggingFaceTokenCountEstimator)}, {@code AllMiniLmL6V2EmbeddingModel}
 * (fp32) and an {@code InMemoryEmbeddingStore}. Model loading and the stack's start are outside both timings. The
 * pipeline runs with whatever {@code RAGSTREAM_*} settings the environment gives, which is how levers are measured.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Ingest a BEIR corpus with the default pipeline (publish -> every document searchable) and with"
        + " langchain4j's EmbeddingStoreIngestor on the same documents; print docs/s, chunks/s, tokens embedded and"
        + " RESULT ingest_vs_langchain4j=<ratio of docs/s>.")
final class BenchIngestCommand implements Callable<Integer> {
  @Option(names = "--dataset", required = true, description = "BEIR dataset directory (with corpus.jsonl)")
  Path dataset;

  @Option(names = "--limit", defaultValue = "" + Integer.MAX_VALUE,
      description = "documents to ingest (default: the whole corpus)")
  int limit;

  @Option(names = "--model", defaultValue = "${env:RAGSTREAM_MODEL:-" + EmbeddingModels.DEFAULT_ID + "}",
      description = "the pipeline's embedding model (default: ${DEFAULT-VALUE}); langchain4j always runs fp32 MiniLM")
  String model;

  @Option(names = "--systems", defaultValue = "ragstream,langchain4j", split = ",",
      description = "which to run (default: ${DEFAULT-VALUE}); RESULT needs both")
  List<String> systems;

  @Option(names = "--timeout-s", defaultValue = "3600", description = "give up after this many seconds")
  long timeoutSeconds;

  /** One measured system. */
  record Row(String system, int docs, long chunks, long tokens, double seconds) {
    double docsPerSecond() {
      return docs / seconds;
    }

    double chunksPerSecond() {
      return chunks / seconds;
    }
  }

  @Override
  public Integer call() throws Exception {
    EmbeddingModels.spec(model);
    for (String s : systems) {
      if (!s.equals("ragstream") && !s.equals("langchain4j")) {
        throw new IllegalArgumentException("--systems takes ragstream and/or langchain4j, got " + s);
      }
    }
    List<BeirDataset.CorpusDoc> docs = corpus(dataset, limit);
    System.out.printf("bench ingest: %d documents of %s; load average %s%n", docs.size(), dataset, loadAverage());
    List<Row> rows = new ArrayList<>();
    if (systems.contains("ragstream")) {
      rows.add(ragstream(docs));
    }
    if (systems.contains("langchain4j")) {
      rows.add(langchain4j(docs));
    }
    print(rows);
    return 0;
  }

  private Row ragstream(List<BeirDataset.CorpusDoc> docs) throws Exception {
    Path dataDir = Files.createTempDirectory("ragstream-bench-ingest");
    MeterRegistry metrics = new SimpleMeterRegistry();
    StackConfig config = StackConfig.defaults(dataDir).withEphemeralPorts();
    config = new StackConfig(dataDir, 0, 0, 0, model, config.maxUploadBytes(), config.topicPrefix(),
        config.generation());
    try (EmbeddedStack stack = EmbeddedStack.start(config, metrics);
        IndexEventWatch events = new IndexEventWatch(stack, "bench-ingest-events");
        DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "bench-ingest")) {
      System.out.printf("ragstream: publishing %d documents (model %s)%n", docs.size(), model);
      long start = System.nanoTime();
      for (BeirDataset.CorpusDoc doc : docs) {
        // as `eval` publishes them: markdown with the title as heading
        publisher.publish(doc.id(), "default", "text/markdown", doc.id() + ".md",
            CorpusIngest.markdown(doc).getBytes(StandardCharsets.UTF_8), Map.of());
      }
      long published = System.nanoTime();
      System.out.printf("ragstream: published in %.1f s; waiting until every document is searchable%n",
          (published - start) / 1e9);
      long deadline = start + Duration.ofSeconds(timeoutSeconds).toNanos();
      long lastLog = System.nanoTime();
      while (events.count() < docs.size()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + events.count() + " of " + docs.size()
              + " documents searchable after " + timeoutSeconds + " s (see `ragstream dlq` and the log)");
        }
        if (System.nanoTime() - lastLog > Duration.ofSeconds(15).toNanos()) {
          System.out.printf("ragstream: %d of %d documents searchable after %.0f s%n", events.count(), docs.size(),
              (System.nanoTime() - start) / 1e9);
          lastLog = System.nanoTime();
        }
        Thread.sleep(20);
      }
      double seconds = (events.lastSeenNanos() - start) / 1e9;
      long chunks = (long) sum(metrics, "ragstream.indexer.chunks", "op", "upsert");
      long tokens = (long) sum(metrics, "ragstream.embedder.tokens", null, null);
      double hits = sum(metrics, "ragstream.embedder.cache", "result", "hit");
      if (hits > 0) {
        System.out.printf("ragstream: %.0f chunks came from the embedding cache (identical texts)%n", hits);
      }
      return new Row("ragstream (embedded pipeline, " + model + ")", docs.size(), chunks, tokens, seconds);
    } finally {
      deleteTree(dataDir);
    }
  }

  private static Row langchain4j(List<BeirDataset.CorpusDoc> docs) {
    AllMiniLmL6V2EmbeddingModel embedding = new AllMiniLmL6V2EmbeddingModel();
    InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
    AtomicLong segments = new AtomicLong();
    EmbeddingStoreIngestor ingestor = EmbeddingStoreIngestor.builder()
        .documentSplitter(DocumentSplitters.recursive(128, 16, new HuggingFaceTokenCountEstimator()))
        .textSegmentTransformer(segment -> {
          segments.incrementAndGet();
          return segment;
        })
        .embeddingModel(embedding)
        .embeddingStore(store)
        .build();
    // the same text the pipeline gets, title first
    List<Document> documents = docs.stream()
        .map(d -> Document.from(d.title().isBlank() ? d.text() : d.title().strip() + "\n\n" + d.text())).toList();
    System.out.printf("langchain4j: ingesting %d documents%n", documents.size());
    long start = System.nanoTime();
    IngestionResult result = ingestor.ingest(documents);
    double seconds = (System.nanoTime() - start) / 1e9;
    long tokens = result.tokenUsage() == null || result.tokenUsage().inputTokenCount() == null ? -1
        : result.tokenUsage().inputTokenCount();
    return new Row("langchain4j EmbeddingStoreIngestor (fp32)", docs.size(), segments.get(), tokens, seconds);
  }

  private static void print(List<Row> rows) {
    System.out.printf(Locale.ROOT, "%n%-44s %7s %8s %10s %9s %8s %9s%n", "system", "docs", "chunks", "tokens",
        "seconds", "docs/s", "chunks/s");
    for (Row r : rows) {
      System.out.printf(Locale.ROOT, "%-44s %7d %8d %10d %9.1f %8.1f %9.1f%n", r.system(), r.docs(), r.chunks(),
          r.tokens(), r.seconds(), r.docsPerSecond(), r.chunksPerSecond());
    }
    if (rows.size() == 2) {
      System.out.printf(Locale.ROOT, "RESULT ingest_vs_langchain4j=%.2f%n",
          rows.get(0).docsPerSecond() / rows.get(1).docsPerSecond());
    } else {
      System.out.printf(Locale.ROOT, "RESULT %s_docs_per_s=%.1f%n", rows.getFirst().system().split(" ")[0],
          rows.getFirst().docsPerSecond());
    }
  }

  private static double sum(MeterRegistry metrics, String name, String tag, String value) {
    var search = metrics.find(name);
    if (tag != null) {
      search = search.tag(tag, value);
    }
    return search.counters().stream().mapToDouble(Counter::count).sum();
  }

  /** The first {@code limit} documents of DIR/corpus.jsonl (only the corpus is needed, not queries or qrels). */
  static List<BeirDataset.CorpusDoc> corpus(Path dir, int limit) throws java.io.IOException {
    Path file = dir.resolve("corpus.jsonl");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(file + ": missing (a BEIR corpus directory holds corpus.jsonl)");
    }
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<BeirDataset.CorpusDoc> docs = new ArrayList<>();
    try (var lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      for (int n = 1; docs.size() < limit && (line = lines.readLine()) != null; n++) {
        if (line.isBlank()) {
          continue;
        }
        var doc = json.readTree(line);
        if (!doc.hasNonNull("_id")) {
          throw new IllegalArgumentException(file + " line " + n + ": no _id");
        }
        docs.add(new BeirDataset.CorpusDoc(doc.get("_id").asText(), doc.path("title").asText(""),
            doc.path("text").asText("")));
      }
    }
    if (docs.isEmpty()) {
      throw new IllegalArgumentException("no documents in " + file);
    }
    return docs;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (Exception e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
