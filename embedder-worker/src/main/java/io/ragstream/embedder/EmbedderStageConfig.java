package io.ragstream.embedder;

import io.ragstream.embedding.ModelSettings;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The embedder stage's settings.
 *
 * @param instance this replica's id (part of its transactional id)
 * @param modelId the embedding model
 * @param cacheDir the persistent embedding cache ({@code <data-dir>/embedding-cache}); null: none
 * @param batching batching and session settings ({@link EmbedderConfig})
 * @param port the process's health and metrics port (0: ephemeral)
 */
public record EmbedderStageConfig(String instance, String modelId, Path cacheDir, EmbedderConfig batching,
    int port) {
  private static final EmbedderConfig D = EmbedderConfig.defaults();

  private static final EmbedderConfig GPU = EmbedderConfig.defaults("cuda");

  public static final Setting DEVICE = Setting.choice("embedder.device", "cpu", OnnxOptions.DEVICES,
      "where the model runs: cpu; cuda (needs the -Pgpu build and an NVIDIA GPU, else falls back to the CPU with a"
          + " WARN); cuda-strict (fails to start instead of falling back)");
  public static final Setting MAX_BATCH_TOKENS = Setting.integer("embedder.max-batch-tokens", null, 1, 1 << 20,
      "padded tokens (texts x longest text) per inference call (default: " + D.maxBatchTokens() + " on cpu, "
          + GPU.maxBatchTokens() + " on cuda)");
  public static final Setting MAX_BATCH_SIZE = Setting.integer("embedder.max-batch-size", null, 1, 100_000,
      "texts per inference call at most (default: " + D.maxBatchSize() + " on cpu, " + GPU.maxBatchSize()
          + " on cuda)");
  public static final Setting MAX_WAIT = Setting.duration("embedder.max-wait", D.maxWait(), Duration.ZERO,
      Duration.ofSeconds(30), "longest the broker holds a fetch to fill a batch (fetch.max.wait.ms)");
  public static final Setting MIN_FETCH_BYTES = Setting.integer("embedder.min-fetch-bytes", D.minFetchBytes(), 1,
      64 << 20, "bytes the broker gathers before answering a fetch early (fetch.min.bytes)");
  public static final Setting MAX_POLL = Setting.integer("embedder.max-poll-records", null, 1, 100_000,
      "chunks per poll; up to 16 polls are held uncommitted to find live chunks (default: " + D.maxPollRecords()
          + " on cpu, " + GPU.maxPollRecords()
          + " on cuda)");
  public static final Setting MAX_TRANSACTION_RECORDS = Setting.integer("embedder.max-transaction-records", null, 1,
      100_000, "bulk chunks per Kafka transaction: how long a live document's chunks may wait for the transaction in"
          + " flight (default: " + D.maxTransactionRecords() + " on cpu, " + GPU.maxTransactionRecords() + " on cuda)");
  public static final Setting PARALLELISM = Setting.integer("embedder.parallelism", null, 1, 1024,
      "inference calls in flight at once (default: the physical cores on cpu, " + GPU.parallelism() + " on cuda)");
  public static final Setting INTRA_OP_THREADS = Setting.integer("embedder.intra-op-threads", D.onnx()
      .intraOpThreads(), 1, 1024, "ONNX Runtime threads per inference call");
  public static final Setting CACHE = Setting.bool("embedder.cache", true,
      "keep a persistent embedding cache under <data-dir>/embedding-cache");
  public static final Setting PORT = Setting.integer("embedder.port", 0, 0, 65_535,
      "health and metrics port of `stage embedder` (0: any free port)");

  public static final List<Setting> SETTINGS = List.of(DEVICE, MAX_BATCH_TOKENS, MAX_BATCH_SIZE, MAX_WAIT, MIN_FETCH_BYTES,
      MAX_POLL, MAX_TRANSACTION_RECORDS, PARALLELISM, INTRA_OP_THREADS, CACHE, PORT);

  public static final List<Setting> ALL = all();

  public EmbedderStageConfig {
    Objects.requireNonNull(instance, "instance");
    ModelSettings.modelId(modelId);
    Objects.requireNonNull(batching, "batching");
  }

  public static EmbedderStageConfig from(Settings settings, Map<String, String> env) {
    // the batch shape's defaults depend on the device: a GPU wants far larger calls than a CPU's caches
    EmbedderConfig d = EmbedderConfig.defaults(settings.string(DEVICE));
    EmbedderConfig batching = new EmbedderConfig(
        settings.optional(MAX_BATCH_TOKENS).map(Integer::parseInt).orElse(d.maxBatchTokens()),
        settings.optional(MAX_BATCH_SIZE).map(Integer::parseInt).orElse(d.maxBatchSize()),
        settings.duration(MAX_WAIT), settings.integer(MIN_FETCH_BYTES),
        settings.optional(MAX_POLL).map(Integer::parseInt).orElse(d.maxPollRecords()),
        settings.optional(MAX_TRANSACTION_RECORDS).map(Integer::parseInt).orElse(d.maxTransactionRecords()),
        settings.optional(PARALLELISM).map(Integer::parseInt).orElse(d.parallelism()),
        d.onnx().withIntraOpThreads(settings.integer(INTRA_OP_THREADS)));
    Path cache = settings.bool(CACHE) ? settings.path(CommonSettings.DATA_DIR).resolve("embedding-cache") : null;
    return new EmbedderStageConfig(CommonSettings.instance(settings, env), settings.string(ModelSettings.MODEL),
        cache, batching, settings.integer(PORT));
  }

  private static List<Setting> all() {
    List<Setting> all = new ArrayList<>(CommonSettings.ALL);
    all.add(ModelSettings.MODEL);
    all.addAll(SETTINGS);
    return List.copyOf(all);
  }
}
