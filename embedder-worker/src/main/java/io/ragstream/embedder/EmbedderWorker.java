package io.ragstream.embedder;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Priority;
import io.ragstream.schemas.Topics;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * One embedder worker: its model session, batcher and cache around {@link EmbedBatchProcessor}, run by a
 * {@link TransactionalStage} (chunks in, embeddings out, offsets committed in the same Kafka transaction). Workers
 * with distinct instance ids share the chunk partitions through the consumer group; a restarted worker must keep its
 * instance id, so its transactional id fences the old incarnation and aborts whatever it left uncommitted.
 *
 * <p>Backpressure comes from the loop's shape: the worker polls only after the previous batch is committed, so a
 * slow model, broker or downstream slows consumption and never drops a record; a failed batch is aborted and read
 * again from the committed offsets.
 */
public final class EmbedderWorker implements Runnable, AutoCloseable {
  /** The stage name: consumer group {@code <prefix>embedder}, transactional ids {@code <prefix>embedder-<id>}. */
  public static final String STAGE = "embedder";

  private final OnnxEmbeddingModel model;
  private final boolean ownsModel;
  private final BatchEmbedder embedder;
  private final EmbeddingCache cache;
  private final TransactionalStage stage;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private EmbedderWorker(OnnxEmbeddingModel model, boolean ownsModel, BatchEmbedder embedder, EmbeddingCache cache,
      TransactionalStage stage) {
    this.model = model;
    this.ownsModel = ownsModel;
    this.embedder = embedder;
    this.cache = cache;
    this.stage = stage;
  }

  /**
   * Builds a worker (loads the model: seconds). Run it on its own thread; {@link #close()} stops it.
   *
   * @param cacheDir where the embedding cache lives ({@code <data-dir>/embedding-cache}); {@code null}: no cache
   */
  public static EmbedderWorker create(KafkaSettings kafka, String instance, String modelId, EmbedderConfig config,
      Path cacheDir, MeterRegistry registry) {
    return create(kafka, instance, EmbeddingModels.load(modelId, config.onnx()), true, config, cacheDir, registry);
  }

  /**
   * A worker on a model the caller already loaded and keeps owning (it is not closed with the worker); the
   * config's session options are then ignored.
   */
  public static EmbedderWorker create(KafkaSettings kafka, String instance, OnnxEmbeddingModel model,
      EmbedderConfig config, Path cacheDir, MeterRegistry registry) {
    return create(kafka, instance, model, false, config, cacheDir, registry);
  }

  private static EmbedderWorker create(KafkaSettings kafka, String instance, OnnxEmbeddingModel model,
      boolean ownsModel, EmbedderConfig config, Path cacheDir, MeterRegistry registry) {
    String modelId = model.id();
    EmbeddingCache cache = null;
    BatchEmbedder embedder = null;
    try {
      cache = cacheDir == null ? EmbeddingCache.disabled()
          : FileEmbeddingCache.open(cacheDir, modelId, model.dimension());
      EmbedderMetrics metrics = new EmbedderMetrics(registry, modelId);
      embedder = new BatchEmbedder(model, config, metrics);
      EmbedBatchProcessor processor =
          new EmbedBatchProcessor(embedder, cache, kafka.topicPrefix(), kafka.serdes(), metrics);
      // live chunks get an inference call of their own on the caller's thread (no pool to queue in behind the bulk
      // calls), on the same session and cache: they are embedded while the bulk transaction is, not after it
      EmbedBatchProcessor liveProcessor = new EmbedBatchProcessor(
          new BatchEmbedder(model, config.withParallelism(1), metrics), cache, kafka.topicPrefix(), kafka.serdes(),
          metrics);
      TransactionalStage stage = new TransactionalStage(STAGE, instance, withFetchWait(kafka, config),
          Topics.CHUNKS.name(kafka.topicPrefix()), config.maxPollRecords(), processor, registry)
          .withLanes(lanes(config), liveProcessor, registry);
      return new EmbedderWorker(model, ownsModel, embedder, cache, stage);
    } catch (RuntimeException e) {
      if (embedder != null) {
        embedder.close();
      }
      if (cache != null) {
        cache.close();
      }
      if (ownsModel) {
        model.close();
      }
      throw e;
    }
  }

  /**
   * The embedder's live lane: a live document's chunks (and its earlier chunks still pending) go into the next
   * transaction ahead of the bulk chunks polled before them; bulk transactions hold at most {@code
   * maxTransactionRecords} chunks, so a live chunk waits for at most one such transaction. A chunk's document is
   * the one its {@code ragstream.docId}/tenant headers name (every chunk record carries them), else its key.
   */
  static TransactionalStage.Lanes lanes(EmbedderConfig config) {
    return new TransactionalStage.Lanes(r -> Priority.isLive(r.headers()), EmbedderWorker::document,
        config.maxTransactionRecords(), config.lookahead());
  }

  private static Object document(org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> record) {
    DocumentKey document = DocumentKey.fromHeaders(record.headers());
    return document != null ? document
        : java.nio.ByteBuffer.wrap(record.key() == null ? new byte[0] : record.key());
  }

  /**
   * The broker holds a fetch until it has {@code minFetchBytes} or {@code maxWait} passed: under load a poll comes
   * back with a full token budget, when idle a lone chunk waits at most {@code maxWait}. (Producers ignore these
   * two keys.)
   */
  static KafkaSettings withFetchWait(KafkaSettings kafka, EmbedderConfig config) {
    Map<String, String> overrides = new HashMap<>(kafka.clientOverrides());
    overrides.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Long.toString(config.maxWait().toMillis()));
    overrides.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(config.minFetchBytes()));
    return kafka.withClientOverrides(overrides);
  }

  /** The model this worker encodes with. */
  public OnnxEmbeddingModel model() {
    return model;
  }

  /** Entries in this worker's embedding cache. */
  public int cachedVectors() {
    return cache.size();
  }

  @Override
  public void run() {
    stage.run();
  }

  /** Finishes or aborts the current batch, then releases the session and the cache. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      stage.close();
    } finally {
      try {
        embedder.close();
        if (ownsModel) {
          model.close();
        }
      } finally {
        cache.close();
      }
    }
  }
}
