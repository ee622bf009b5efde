package io.ragstream.launcher;

import io.ragstream.chunker.ChunkerConfig;
import io.ragstream.chunker.ChunkerSetting;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.query.eval.BeirDataset;
import io.ragstream.runtime.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Brings a BEIR corpus into an index through the real pipeline (ingest topic → Tika → chunker → embedder → Lucene)
 * on an embedded stack, once: a marker file in the data directory records which corpus and model the index holds,
 * so a later evaluation of the same corpus reuses it without starting the stack.
 */
final class CorpusIngest {
  static final String MARKER = "eval-corpus.properties";
  // how long the indexed document count may stand still before the ingestion is declared stuck
  private static final Duration STALL = Duration.ofMinutes(3);

  private final BeirDataset dataset;
  private final Path dataDir;
  private final String modelId;
  private final String tenant;
  private final PrintStream log;

  CorpusIngest(BeirDataset dataset, Path dataDir, String modelId, String tenant, PrintStream log) {
    this.dataset = dataset;
    this.dataDir = dataDir.toAbsolutePath();
    this.modelId = modelId;
    this.tenant = tenant;
    this.log = log;
  }

  /** The index directory the embedded stack writes (generation g1). */
  Path indexDir() {
    return dataDir.resolve("index").resolve("g1");
  }

  /** Ingests the corpus unless the index already holds it; returns the index directory. */
  Path ensureIndexed() throws IOException, InterruptedException {
    String fingerprint = fingerprint();
    Path marker = dataDir.resolve(MARKER);
    if (Files.isRegularFile(marker) && fingerprint.equals(read(marker).getProperty("fingerprint"))
        && Files.isDirectory(indexDir())) {
      log.println("reusing the index in " + dataDir + " (" + read(marker).getProperty("documents") + " documents)");
      return indexDir();
    }
    long documents = ingest();
    Properties properties = new Properties();
    properties.setProperty("fingerprint", fingerprint);
    properties.setProperty("corpus", dataset.corpusFile().toString());
    properties.setProperty("model", modelId);
    properties.setProperty("documents", Long.toString(documents));
    try (Writer writer = Files.newBufferedWriter(marker, StandardCharsets.UTF_8)) {
      properties.store(writer, "written by ragstream eval once the corpus was indexed; delete to re-ingest");
    }
    return indexDir();
  }

  private long ingest() throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    StackConfig config = new StackConfig(dataDir, 0, 0, 0, modelId, StackConfig.DEFAULT_MAX_UPLOAD_BYTES,
        io.ragstream.schemas.Topics.DEFAULT_PREFIX, "g1");
    long started = System.nanoTime();
    try (EmbeddedStack stack = EmbeddedStack.start(config, Metrics.registry());
        DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "ragstream-eval")) {
      AtomicInteger published = new AtomicInteger();
      // republishing is safe: identical content is a no-op downstream, so a resumed ingestion just continues
      dataset.forEachDoc(doc -> {
        publisher.publish(doc.id(), tenant, "text/markdown", doc.id() + ".md",
            markdown(doc).getBytes(StandardCharsets.UTF_8), Map.of());
        if (published.incrementAndGet() % 1000 == 0) {
          log.println("published " + published.get() + " documents");
        }
      });
      log.println("published " + published.get() + " documents; waiting for the index");
      long indexed = awaitIndexed(published.get());
      log.printf("indexed %d documents in %d s%n", indexed,
          Duration.ofNanos(System.nanoTime() - started).toSeconds());
      return indexed;
    }
  }

  private long awaitIndexed(int expected) throws IOException, InterruptedException {
    try (LuceneReadOnlySearcher index = LuceneStore.openReadOnly(indexDir(), Duration.ofSeconds(1))) {
      long last = -1;
      long lastChange = System.nanoTime();
      long lastLog = 0;
      while (true) {
        long count = index.documentCount();
        if (count >= expected) {
          return count;
        }
        if (count != last) {
          last = count;
          lastChange = System.nanoTime();
        } else if (System.nanoTime() - lastChange > STALL.toNanos()) {
          throw new IOException("ingestion stalled at " + count + " of " + expected + " documents for "
              + STALL.toMinutes() + " minutes; see the dead-letter topics (ragstream lag) and the log");
        }
        if (System.nanoTime() - lastLog > Duration.ofSeconds(30).toNanos()) {
          log.println("indexed " + count + " of " + expected + " documents");
          lastLog = System.nanoTime();
        }
        Thread.sleep(2000);
      }
    }
  }

  /**
   * A BEIR document as the structured document it is: the title as its heading, the text as its body. The chunker
   * then treats the title like any document's heading (the heading-prefix setting decides whether each chunk's text
   * repeats it), which is what lets eval measure that setting.
   */
  static String markdown(BeirDataset.CorpusDoc doc) {
    return doc.title().isBlank() ? doc.text() : "# " + doc.title().strip() + "\n\n" + doc.text();
  }

  private String fingerprint() throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new DigestInputStream(Files.newInputStream(dataset.corpusFile()), sha)) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      // the chunker's version and settings change the chunks, so an index built with others is not reused; every
      // setting's effective value counts, so a changed default is a changed fingerprint too
      Map<String, String> set = ChunkerSettings.fromEnvironment();
      Map<String, String> chunker = new TreeMap<>();
      for (ChunkerSetting setting : ChunkerSetting.values()) {
        chunker.put(setting.key(), set.getOrDefault(setting.key(), setting.defaultValue()));
      }
      sha.update(("\nmarkdown\n" + modelId + "\n" + tenant + "\nchunker " + ChunkerConfig.VERSION + "\n" + chunker)
          .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static Properties read(Path file) throws IOException {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    }
    return properties;
  }
}
