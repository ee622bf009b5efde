package io.ragstream.embedder;

import io.ragstream.embedding.OnnxOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * The embedder's settings, validated before anything starts.
 *
 * @param maxBatchTokens padded tokens (texts x longest text) per inference call: the unit of work that keeps a
 *     call's activations in cache; a single text longer than this still forms a batch of its own
 * @param maxBatchSize texts per inference call at most, whatever their length
 * @param maxWait how long the broker may hold a fetch to gather a fuller batch ({@code fetch.max.wait.ms}): the
 *     latency a lone chunk may pay for throughput under load
 * @param minFetchBytes bytes the broker gathers before answering a fetch early ({@code fetch.min.bytes})
 * @param maxPollRecords chunks per poll; the worker holds up to 16 polls' worth uncommitted, so that a live
 *     document's chunks (the live lane, {@code Priority}) are found that deep behind the bulk backlog
 * @param maxTransactionRecords bulk chunks per Kafka transaction: bounds how long a live chunk that arrives meanwhile
 *     waits for the transaction in flight (docs/EMBEDDER.md, "The live lane")
 * @param parallelism inference calls in flight at once on the one shared session
 * @param onnx session settings; its intra-op threads are per call, so {@code parallelism x intraOpThreads} should
 *     equal the physical cores
 */
public record EmbedderConfig(int maxBatchTokens, int maxBatchSize, Duration maxWait, int minFetchBytes,
    int maxPollRecords, int maxTransactionRecords, int parallelism, OnnxOptions onnx) {

  public EmbedderConfig {
    Objects.requireNonNull(maxWait, "maxWait");
    Objects.requireNonNull(onnx, "onnx");
    positive("maxBatchTokens", maxBatchTokens);
    positive("maxBatchSize", maxBatchSize);
    positive("minFetchBytes", minFetchBytes);
    positive("maxPollRecords", maxPollRecords);
    positive("maxTransactionRecords", maxTransactionRecords);
    positive("parallelism", parallelism);
    if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException("maxWait must be between 0 and 30 s, got " + maxWait);
    }
  }

  /**
   * Defaults for a CPU: one inference call per physical core, each single-threaded, each embedding one text. On a
   * small CPU, independent calls beat one call spread over all cores: a BERT layer's matrices are too small for the
   * per-operator thread synchronisation to pay off. One text per call because on a CPU the time per token does not
   * depend on the call's size, while a batch costs its padding and, in an int8 graph, moves every vector with its
   * batch-mates (activations are quantised with one scale per call): alone, a text gets the same vector whenever and
   * wherever it is embedded, as a query does. See docs/EMBEDDER.md for the measurements.
   */
  public static EmbedderConfig defaults() {
    int cores = OnnxOptions.defaults().intraOpThreads();
    // maxWait 25 ms: under a backlog a poll returns a full budget anyway (minFetchBytes), and a live chunk that
    // arrives when the worker is caught up waits for this (100 ms gave a live page ~40 ms more median latency and no
    // more bulk throughput, docs/BENCHMARKS.md "Freshness")
    return new EmbedderConfig(2048, 1, Duration.ofMillis(25), 64 * 1024, 256, 64, cores,
        OnnxOptions.defaults().withIntraOpThreads(1));
  }

  /**
   * Defaults for a device as named by the {@code embedder.device} setting ({@link OnnxOptions#DEVICES}). On a GPU
   * a call should fill the device: batches of up to 32k padded tokens (256 chunks of 128 tokens) and two calls in
   * flight, so that one call's tokenising, copying and pooling on the host overlaps the other's kernels; a Kafka
   * transaction then takes 2,048 chunks so a poll feeds several such calls. If CUDA turns out to be unavailable
   * and {@code cuda} falls back to the CPU, these large batches still work, only less cache-friendly.
   */
  public static EmbedderConfig defaults(String device) {
    EmbedderConfig cpu = defaults();
    OnnxOptions onnx = cpu.onnx().withDevice(device);
    if (onnx.provider() == io.ragstream.embedding.ExecutionProvider.CPU) {
      return cpu.withOnnx(onnx);
    }
    return new EmbedderConfig(32_768, 512, cpu.maxWait(), cpu.minFetchBytes(), 2048, 512, 2, onnx);
  }

  /** The same settings with other session options. */
  public EmbedderConfig withOnnx(OnnxOptions other) {
    return new EmbedderConfig(maxBatchTokens, maxBatchSize, maxWait, minFetchBytes, maxPollRecords,
        maxTransactionRecords, parallelism,
        other);
  }

  /** The same settings with another number of concurrent inference calls. */
  public EmbedderConfig withParallelism(int calls) {
    return new EmbedderConfig(maxBatchTokens, maxBatchSize, maxWait, minFetchBytes, maxPollRecords,
        maxTransactionRecords, calls,
        onnx);
  }

  /** The same settings with another token budget per inference call. */
  public EmbedderConfig withMaxBatchTokens(int tokens) {
    return new EmbedderConfig(tokens, maxBatchSize, maxWait, minFetchBytes, maxPollRecords, maxTransactionRecords,
        parallelism, onnx);
  }

  /** Chunks a worker holds polled but uncommitted at most: how deep behind a backlog a live chunk is found. */
  public int lookahead() {
    return Math.max(16 * maxPollRecords, maxTransactionRecords);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
  }
}
