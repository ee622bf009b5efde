package io.ragstream.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedder.BatchEmbedder;
import io.ragstream.embedder.EmbedderConfig;
import io.ragstream.embedder.EmbedderMetrics;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.ExecutionProvider;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.embedding.OnnxOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Embeds the same chunks with (a) a plain single-session ONNX Runtime loop, (b) langchain4j's in-process
 * {@code embedAll}, (c) ragstream's {@link BatchEmbedder}, each in fp32 and int8, and prints chunks/s per system.
 * Every system first embeds a warm-up slice (JIT, ONNX Runtime's arena and thread pool) that is not timed.
 */
public final class EmbedBenchmark {
  /** Texts per call of the plain loop: the walking skeleton's fixed model batch. */
  public static final int PLAIN_BATCH = 32;

  private final List<String> chunks;
  private final PrintStream out;
  private final List<Row> rows = new ArrayList<>();

  public EmbedBenchmark(List<String> chunks, PrintStream out) {
    this.chunks = List.copyOf(chunks);
    this.out = out;
  }

  /** One measured system. */
  public record Row(String system, String precision, int chunks, double seconds) {
    public double chunksPerSecond() {
      return chunks / seconds;
    }
  }

  /**
   * Runs every system for the fp32 model id and its int8 twin; returns the rows in the order printed. (a) and (c)
   * run on the provider of {@code config.onnx()} (a GPU with {@code --device cuda}); langchain4j's in-process
   * models (b) always run on the CPU.
   */
  public List<Row> run(String fp32Model, String int8Model, EmbedderConfig config) {
    OnnxOptions d = OnnxOptions.defaults();
    OnnxOptions plainOptions = new OnnxOptions(d.intraOpThreads(), d.interOpThreads(), d.optimization(),
        config.onnx().provider(), d.spinning(), config.onnx().strictProvider());
    for (String modelId : List.of(fp32Model, int8Model)) {
      String precision = modelId.endsWith("-q") ? "int8" : "fp32";
      try (OnnxEmbeddingModel plain = EmbeddingModels.load(modelId, plainOptions)) {
        measure("(a) plain ONNX Runtime loop, batch " + PLAIN_BATCH + on(plain), precision,
            texts -> plainLoop(plain, texts));
      }
      measure("(b) langchain4j embedAll", precision, langchain4j(precision));
      try (OnnxEmbeddingModel model = EmbeddingModels.load(modelId, config.onnx());
          BatchEmbedder embedder = new BatchEmbedder(model, config,
              new EmbedderMetrics(new SimpleMeterRegistry(), modelId))) {
        measure("(c) ragstream embedder" + on(model), precision, embedder::embed);
      }
    }
    return List.copyOf(rows);
  }

  /** Nothing on the CPU (the usual case, labels unchanged), else the provider the session really runs on. */
  private static String on(OnnxEmbeddingModel model) {
    return model.provider() == ExecutionProvider.CPU ? "" : " [" + model.provider() + "]";
  }

  /** The plain loop: fixed-size batches in input order, one call at a time. */
  public static float[][] plainLoop(OnnxEmbeddingModel model, List<String> texts) {
    float[][] vectors = new float[texts.size()][];
    for (int from = 0; from < texts.size(); from += PLAIN_BATCH) {
      float[][] batch = model.embedAll(texts.subList(from, Math.min(texts.size(), from + PLAIN_BATCH)));
      System.arraycopy(batch, 0, vectors, from, batch.length);
    }
    return vectors;
  }

  private static Function<List<String>, ?> langchain4j(String precision) {
    dev.langchain4j.model.embedding.EmbeddingModel model = precision.equals("int8")
        ? new AllMiniLmL6V2QuantizedEmbeddingModel() : new AllMiniLmL6V2EmbeddingModel();
    return texts -> model.embedAll(texts.stream().map(TextSegment::from).toList()).content();
  }

  private void measure(String system, String precision, Function<List<String>, ?> embed) {
    embed.apply(chunks.subList(0, Math.min(chunks.size(), 64)));
    long start = System.nanoTime();
    embed.apply(chunks);
    Row row = new Row(system, precision, chunks.size(), (System.nanoTime() - start) / 1e9);
    rows.add(row);
    out.printf(Locale.ROOT, "  measured %-38s %-4s %8.1f chunks/s%n", system, precision, row.chunksPerSecond());
  }

  /** The table and the last line {@code RESULT fp32_vs_langchain4j=<x> int8_vs_langchain4j=<y>}. */
  public static void print(List<Row> rows, PrintStream out) {
    out.printf(Locale.ROOT, "%n%-38s %-9s %8s %10s %12s%n", "system", "precision", "chunks", "seconds", "chunks/s");
    for (Row r : rows) {
      out.printf(Locale.ROOT, "%-38s %-9s %8d %10.2f %12.1f%n", r.system(), r.precision(), r.chunks(), r.seconds(),
          r.chunksPerSecond());
    }
    out.printf(Locale.ROOT, "RESULT fp32_vs_langchain4j=%.2f int8_vs_langchain4j=%.2f%n", ratio(rows, "fp32"),
        ratio(rows, "int8"));
  }

  /** Ragstream's chunks/s over langchain4j's, for one precision. */
  public static double ratio(List<Row> rows, String precision) {
    return rate(rows, "(c)", precision) / rate(rows, "(b)", precision);
  }

  /** Chunks/s of the system whose label starts with the prefix. */
  public static double rate(List<Row> rows, String systemPrefix, String precision) {
    return rows.stream().filter(r -> r.system().startsWith(systemPrefix) && r.precision().equals(precision))
        .findFirst().orElseThrow().chunksPerSecond();
  }
}
