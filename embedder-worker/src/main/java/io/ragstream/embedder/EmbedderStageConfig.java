package io.ragstream.embedder;

import io.ragstream.embedding.ModelSettings;
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

  public static final Setting MAX_BATCH_TOKENS = Setting.integer("embedder.max-batch-tokens", D.maxBatchTokens(), 1,
      1 << 20, "padded tokens (texts x longest text) per inference call");
  public static final Setting MAX_BATCH_SIZE = Setting.integer("embedder.max-batch-size", D.maxBatchSize(), 1,
      100_000, "texts per inference call at most");
  public static final Setting MAX_WAIT = Setting.duration("embedder.max-wait", D.maxWait(), Duration.ZERO,
      Duration.ofSeconds(30), "longest the broker holds a fetch to fill a batch (fetch.max.wait.ms)");
  public static final Setting MIN_FETCH_BYTES = Setting.integer("embedder.min-fetch-bytes", D.minFetchBytes(), 1,
      64 << 20, "bytes the broker gathers before answering a fetch early (fetch.min.bytes)");
  public static final Setting MAX_POLL = Setting.integer("embedder.max-poll-records", D.maxPollRecords(), 1,
      100_000, "chunks per Kafka transaction");
  public static final Setting PARALLELISM = Setting.integer("embedder.parallelism", null, 1, 1024,
      "inference calls in flight at once (default: the physical cores)");
  public static final Setting INTRA_OP_THREADS = Setting.integer("embedder.intra-op-threads", D.onnx()
      .intraOpThreads(), 1, 1024, "ONNX Runtime threads per inference call");
  public static final Setting CACHE = Setting.bool("embedder.cache", true,
      "keep a persistent embedding cache under <data-dir>/embedding-cache");
  public static final Setting PORT = Setting.integer("embedder.port", 0, 0, 65_535,
      "health and metrics port of `stage embedder` (0: any free port)");

  public static final List<Setting> SETTINGS = List.of(MAX_BATCH_TOKENS, MAX_BATCH_SIZE, MAX_WAIT, MIN_FETCH_BYTES,
      MAX_POLL, PARALLELISM, INTRA_OP_THREADS, CACHE, PORT);

  public static final List<Setting> ALL = all();

  public EmbedderStageConfig {
    Objects.requireNonNull(instance, "instance");
    ModelSettings.modelId(modelId);
    Objects.requireNonNull(batching, "batching");
  }

  public static EmbedderStageConfig from(Settings settings, Map<String, String> env) {
    EmbedderConfig batching = new EmbedderConfig(settings.integer(MAX_BATCH_TOKENS), settings.integer(MAX_BATCH_SIZE),
        settings.duration(MAX_WAIT), settings.integer(MIN_FETCH_BYTES), settings.integer(MAX_POLL),
        settings.optional(PARALLELISM).map(Integer::parseInt).orElse(D.parallelism()),
        D.onnx().withIntraOpThreads(settings.integer(INTRA_OP_THREADS)));
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
