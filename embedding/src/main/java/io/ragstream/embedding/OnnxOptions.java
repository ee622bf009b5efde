package io.ragstream.embedding;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * ONNX Runtime session settings.
 *
 * @param intraOpThreads threads used inside one operator (a matrix multiply); at least 1
 * @param interOpThreads threads running independent operators in parallel; at least 1
 * @param optimization graph optimisation level, one of {@code NO_OPT, BASIC_OPT, EXTENDED_OPT, ALL_OPT}
 *     (case-insensitive)
 * @param provider where the graph runs; {@link ExecutionProvider#CUDA} falls back to the CPU when unavailable
 * @param spinning whether idle intra-op threads spin-wait for the next operator instead of sleeping: faster for a
 *     stream of batches, wasted cores in a process that does other work between short runs
 * @param strictProvider whether a {@link ExecutionProvider#CUDA} session that cannot be created is an error
 *     ({@link EmbeddingException}) instead of a CPU session with a WARN line
 */
public record OnnxOptions(int intraOpThreads, int interOpThreads, String optimization, ExecutionProvider provider,
    boolean spinning, boolean strictProvider) {

  /** The values of the {@code device} setting: {@code cpu}, {@code cuda} (CPU fallback), {@code cuda-strict}. */
  public static final List<String> DEVICES = List.of("cpu", "cuda", "cuda-strict");

  /** The most intra-op threads {@link #forQueries()} gives one query embedding. */
  public static final int QUERY_THREADS = 2;

  public OnnxOptions {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("intraOpThreads must be >= 1: " + intraOpThreads);
    }
    if (interOpThreads < 1) {
      throw new IllegalArgumentException("interOpThreads must be >= 1: " + interOpThreads);
    }
    optimization = parse(optimization).name();
    Objects.requireNonNull(provider, "provider");
  }

  /** Options that fall back to the CPU when the provider is unavailable. */
  public OnnxOptions(int intraOpThreads, int interOpThreads, String optimization, ExecutionProvider provider,
      boolean spinning) {
    this(intraOpThreads, interOpThreads, optimization, provider, spinning, false);
  }

  /** Options with spinning threads, ONNX Runtime's default. */
  public OnnxOptions(int intraOpThreads, int interOpThreads, String optimization, ExecutionProvider provider) {
    this(intraOpThreads, interOpThreads, optimization, provider, true);
  }

  /** CPU options. */
  public OnnxOptions(int intraOpThreads, int interOpThreads, String optimization) {
    this(intraOpThreads, interOpThreads, optimization, ExecutionProvider.CPU);
  }

  /**
   * One thread per physical core for one operator and no operator-level parallelism: a BERT encoder is a chain of
   * dependent operators, so inter-op threads would only contend for the same cores. Full graph optimisation fuses
   * attention, layer norm and GELU into single kernels.
   */
  public static OnnxOptions defaults() {
    return new OnnxOptions(CpuCores.physical(), 1, OptLevel.ALL_OPT.name(), ExecutionProvider.CPU);
  }

  /**
   * For embedding search queries: up to two intra-op threads per query, no spinning. A claim of 15–30 tokens is
   * ~9 ms of MiniLM fp32 on one AVX2 core, the largest part of a hybrid search; two threads cut it, measured in one
   * process alternating with one thread on the 2-core build machine under load (docs/BENCHMARKS.md): hybrid p50
   * 14.8 vs 15.8 ms, p99 124 vs 161 ms, int8 queries 11.0 vs 12.0 ms. More than two splits a short sequence's
   * matrices too thinly to pay for the synchronisation, and leaves the other cores to concurrent queries and to
   * BM25, which runs beside the embedding. Spinning threads were slower under load (hybrid p50 23.0 ms) and would
   * burn a core between requests in an idle query service.
   */
  public static OnnxOptions forQueries() {
    return new OnnxOptions(Math.min(QUERY_THREADS, CpuCores.physical()), 1, OptLevel.ALL_OPT.name(),
        ExecutionProvider.CPU, false);
  }

  /** The same settings on another execution provider (falling back to the CPU where it is unavailable). */
  public OnnxOptions withProvider(ExecutionProvider other) {
    return new OnnxOptions(intraOpThreads, interOpThreads, optimization, other, spinning, false);
  }

  /**
   * The same settings on the device named as in the {@code embedder.device} setting: {@code cpu}; {@code cuda},
   * which falls back to the CPU with a WARN line when CUDA is unavailable (a misconfigured GPU node still embeds);
   * {@code cuda-strict}, which fails instead (a GPU node that silently runs at CPU speed would fall behind unseen).
   *
   * @throws IllegalArgumentException naming the value and the known devices
   */
  public OnnxOptions withDevice(String device) {
    String name = device == null ? "" : device.trim().toLowerCase(Locale.ROOT);
    return switch (name) {
      case "cpu" -> new OnnxOptions(intraOpThreads, interOpThreads, optimization, ExecutionProvider.CPU, spinning,
          false);
      case "cuda" -> new OnnxOptions(intraOpThreads, interOpThreads, optimization, ExecutionProvider.CUDA, spinning,
          false);
      case "cuda-strict" -> new OnnxOptions(intraOpThreads, interOpThreads, optimization, ExecutionProvider.CUDA,
          spinning, true);
      default -> throw new IllegalArgumentException("unknown device '" + device + "'; known: " + DEVICES);
    };
  }

  /** The same settings with another intra-op thread count. */
  public OnnxOptions withIntraOpThreads(int threads) {
    return new OnnxOptions(threads, interOpThreads, optimization, provider, spinning, strictProvider);
  }

  /** The optimisation level as ONNX Runtime's enum. */
  public OptLevel optLevel() {
    return OptLevel.valueOf(optimization);
  }

  private static OptLevel parse(String value) {
    if (value != null) {
      for (OptLevel level : OptLevel.values()) {
        if (level.name().equals(value.trim().toUpperCase(Locale.ROOT))) {
          return level;
        }
      }
    }
    throw new IllegalArgumentException(
        "optimization must be one of " + Arrays.toString(OptLevel.values()) + ": " + value);
  }
}
