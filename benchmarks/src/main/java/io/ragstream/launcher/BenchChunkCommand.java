package io.ragstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.chunker.ChunkerConfig;
import io.ragstream.chunker.DocumentChunker;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.HfModelTokenizer;
import io.ragstream.embedding.ModelSpec;
import io.ragstream.ingest.extract.Extraction;
import io.ragstream.ingest.extract.ExtractionException;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the chunker alone (no Kafka): chunks/s and MB/s of extracted text on the SciFact corpus and on the sample
 * documents, for each target size asked. Extraction of the samples happens before the clock starts; a warm-up pass
 * runs first so the JIT and the chunker's word cache do not count. The last line is {@code RESULT} with the first
 * corpus's numbers at the first target.
 */
@Command(name = "chunk", mixinStandardHelpOptions = true,
    description = "Benchmark the chunker: chunks/s and MB/s on SciFact and the sample documents.")
public final class BenchChunkCommand implements Callable<Integer> {

  @Option(names = "--data", defaultValue = "../shared/data", description = "folder with scifact/ and docs/")
  Path data;

  @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "embedding model whose tokenizer sizes")
  String model;

  @Option(names = "--targets", split = ",", defaultValue = "128", description = "text target sizes to measure")
  List<Integer> targets;

  @Option(names = "--rounds", defaultValue = "3", description = "timed passes over each corpus (the best counts)")
  int rounds;

  @Option(names = "--threads", defaultValue = "1", description = "chunker threads (a Streams app runs one per thread)")
  int threads;

  @Override
  public Integer call() throws Exception {
    ModelSpec spec = EmbeddingModels.spec(model);
    try (HfModelTokenizer tokenizer = loadTokenizer(spec)) {
      List<Corpus> corpora = new ArrayList<>();
      Path scifact = data.resolve("scifact/corpus.jsonl");
      if (Files.exists(scifact)) {
        corpora.add(scifact(scifact));
      }
      Path docs = data.resolve("docs");
      if (Files.isDirectory(docs)) {
        corpora.add(samples(docs));
      }
      if (corpora.isEmpty()) {
        System.err.println("no corpus under " + data.toAbsolutePath() + " (expected scifact/corpus.jsonl, docs/)");
        return 2;
      }
      System.out.printf("%-10s %7s %7s %9s %9s %10s %8s %9s%n", "corpus", "target", "docs", "MB", "chunks",
          "chunks/s", "MB/s", "tok/chunk");
      String summary = null;
      for (int target : targets) {
        ChunkerConfig defaults = ChunkerConfig.forModel(spec.maxTokens(), tokenizer.specialTokens());
        ChunkerConfig config = defaults.withTargetTokens(Math.min(target, defaults.maxTokens()));
        DocumentChunker chunker = new DocumentChunker(tokenizer, config);
        for (Corpus corpus : corpora) {
          Result best = null;
          run(chunker, corpus); // warm-up
          for (int r = 0; r < rounds; r++) {
            Result result = run(chunker, corpus);
            best = best == null || result.seconds < best.seconds ? result : best;
          }
          System.out.printf("%-10s %7d %7d %9.2f %9d %10.0f %8.2f %9.1f%n", corpus.name, target, corpus.docs.size(),
              corpus.megabytes, best.chunks, best.chunks / best.seconds, corpus.megabytes / best.seconds,
              (double) best.tokens / best.chunks);
          if (summary == null) {
            summary = String.format("RESULT chunker_%s_chunks_per_s=%.0f chunker_%s_mb_per_s=%.2f", corpus.name,
                best.chunks / best.seconds, corpus.name, corpus.megabytes / best.seconds);
          }
        }
      }
      System.out.println(summary);
    }
    return 0;
  }

  private Result run(DocumentChunker chunker, Corpus corpus) throws InterruptedException {
    long start = System.nanoTime();
    long[] chunks = new long[threads];
    long[] tokens = new long[threads];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int worker = t;
      workers.add(Thread.ofPlatform().start(() -> {
        for (int i = worker; i < corpus.docs.size(); i += threads) {
          for (var chunk : chunker.chunk(corpus.docs.get(i))) {
            chunks[worker]++;
            tokens[worker] += chunk.getTokenCount();
          }
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(Stream.of(chunks).flatMapToLong(java.util.Arrays::stream).sum(),
        Stream.of(tokens).flatMapToLong(java.util.Arrays::stream).sum(), seconds);
  }

  private static HfModelTokenizer loadTokenizer(ModelSpec spec) throws IOException {
    try (InputStream in = BenchChunkCommand.class.getResourceAsStream("/" + spec.tokenizerResource())) {
      if (in == null) {
        throw new IllegalStateException("tokenizer " + spec.tokenizerResource() + " is not on the classpath");
      }
      return HfModelTokenizer.load(in, spec.maxTokens());
    }
  }

  /** SciFact abstracts as the pipeline would see them: the title, then the abstract as one paragraph. */
  private static Corpus scifact(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<ExtractedDocument> docs = new ArrayList<>();
    long bytes = 0;
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        JsonNode node = json.readTree(line);
        String text = node.path("text").asText();
        String title = node.path("title").asText();
        bytes += (text + title).getBytes(StandardCharsets.UTF_8).length;
        Block body = Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(text).build();
        docs.add(document(node.path("_id").asText(), title, null, List.of(body)));
      }
    }
    return new Corpus("scifact", docs, bytes / 1e6);
  }

  /** The sample documents, extracted with Tika first (not timed); documents Tika cannot read are skipped. */
  private static Corpus samples(Path dir) throws IOException, InterruptedException {
    List<ExtractedDocument> docs = new ArrayList<>();
    long bytes = 0;
    List<Path> files;
    try (Stream<Path> listing = Files.list(dir)) {
      files = listing.filter(Files::isRegularFile).sorted().toList();
    }
    try (TikaExtractor extractor = new TikaExtractor()) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.equals("MANIFEST.json")) {
          continue;
        }
        try {
          Extraction e = extractor.extract(Files.readAllBytes(file), null, name);
          for (Block b : e.blocks()) {
            bytes += b.getText().getBytes(StandardCharsets.UTF_8).length;
          }
          ExtractedDocument doc = document(name, e.title(), name, e.blocks());
          doc.setContentType(e.contentType());
          docs.add(doc);
        } catch (ExtractionException e) {
          System.err.println("skipped " + name + ": " + e.getMessage());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file, e);
        }
      }
    }
    return new Corpus("samples", docs, bytes / 1e6);
  }

  private static ExtractedDocument document(String id, String title, String sourceName, List<Block> blocks) {
    return ExtractedDocument.newBuilder().setDocId(id).setTitle(title).setSourceName(sourceName)
        .setContentHash(id).setVersion(1).setIngestedAt(Instant.EPOCH).setMetadata(Map.of())
        .setBlocks(new ArrayList<>(blocks)).build();
  }

  private record Corpus(String name, List<ExtractedDocument> docs, double megabytes) {}

  private record Result(long chunks, long tokens, double seconds) {}
}
