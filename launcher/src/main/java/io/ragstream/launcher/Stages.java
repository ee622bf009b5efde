package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.chunker.ChunkerApp;
import io.ragstream.chunker.ChunkerConfig;
import io.ragstream.chunker.DocumentChunker;
import io.ragstream.embedder.EmbedderConfig;
import io.ragstream.embedder.EmbedderWorker;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.Reembedder;
import io.ragstream.indexer.generation.LuceneWriters;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.ingest.extract.ExtractBatchProcessor;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.query.QueryHttpServer;
import io.ragstream.query.status.ProgressJson;
import io.ragstream.query.status.StatusTracker;
import io.ragstream.query.status.StatusView;
import io.ragstream.query.ui.StatusPage;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.runtime.lag.ConsumerLagMonitor;
import io.ragstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Builds each stage from its dependencies. The embedded stack and the one-stage-per-process commands share these,
 * so a stage behaves the same in both modes.
 */
final class Stages {
  /** Tika is slow per document; small polls keep a transaction (and a retry after a failure) short. */
  static final int EXTRACT_MAX_POLL = 16;
  static final int INDEX_MAX_POLL = 1000;
  static final int STATUS_MAX_POLL = 2000;
  /** How often services sample consumer lag for their gauges and the status page. */
  static final Duration LAG_SAMPLE_INTERVAL = Duration.ofSeconds(2);

  private Stages() {}

  static TransactionalStage extract(KafkaSettings kafka, String instance, TikaExtractor extractor,
      MeterRegistry metrics) {
    return new TransactionalStage("extract", instance, kafka, Topics.INGEST.name(kafka.topicPrefix()),
        EXTRACT_MAX_POLL, new ExtractBatchProcessor(extractor, kafka.topicPrefix(), kafka.serdes(), metrics), metrics);
  }

  static ChunkerApp chunker(KafkaSettings kafka, Path stateDir, EmbeddingModel model, short replication,
      MeterRegistry metrics) {
    return new ChunkerApp(kafka, stateDir, documentChunker(model), replication, metrics);
  }

  /**
   * The chunker the live stage runs, sized by {@code model}'s tokenizer and configured from the environment
   * ({@code RAGSTREAM_CHUNKER_*}); {@code replay --from documents} cuts with the same one, so chunk ids agree.
   */
  static DocumentChunker documentChunker(EmbeddingModel model) {
    ChunkerConfig config = ChunkerConfig.fromSettings(ChunkerSettings.fromEnvironment(), model.maxTokens(),
        model.tokenizer().specialTokens());
    return new DocumentChunker(model.tokenizer(), config);
  }

  /**
   * An embedder worker with its own session (tuned for batch throughput, unlike the query side's) and its
   * persistent cache under {@code cacheDir} ({@code null}: no cache).
   */
  static EmbedderWorker embedder(KafkaSettings kafka, String instance, String modelId, Path cacheDir,
      MeterRegistry metrics) {
    return EmbedderWorker.create(kafka, instance, modelId, EmbedderConfig.defaults(), cacheDir, metrics);
  }

  /** An embedder worker on a model the caller loaded and owns, without a cache. */
  static EmbedderWorker embedder(KafkaSettings kafka, String instance, EmbeddingModel model, MeterRegistry metrics) {
    return EmbedderWorker.create(kafka, instance, (OnnxEmbeddingModel) model, EmbedderConfig.defaults(), null,
        metrics);
  }

  /** The status tracker: follows every stage's output and writes each document's progress to the status topic. */
  static TransactionalStage status(KafkaSettings kafka, String instance, MeterRegistry metrics) {
    StatusTracker tracker =
        new StatusTracker(kafka.topicPrefix(), kafka.serdes()).restore(kafka, Duration.ofSeconds(60));
    return new TransactionalStage(StatusTracker.STAGE, instance, kafka, StatusTracker.inputTopics(kafka.topicPrefix()),
        STATUS_MAX_POLL, tracker, metrics);
  }

  /**
   * The query service's operations pages: {@code GET /} (status page), {@code /v1/ops/overview} and the pipeline
   * progress in {@code GET /v1/documents/{docId}}. The returned closeable stops the status view and lag monitor.
   */
  static AutoCloseable operations(QueryHttpServer query, KafkaSettings kafka, MeterRegistry metrics) {
    StatusView view = StatusView.start(kafka, kafka.topicPrefix() + "status-view");
    ConsumerLagMonitor lag = ConsumerLagMonitor.start(kafka, metrics, LAG_SAMPLE_INTERVAL);
    query.routes(new StatusPage(view, lag)::register)
        .documentProgress(docId -> view.get(docId).map(ProgressJson::of));
    return () -> {
      lag.close();
      view.close();
    };
  }

  static IndexerWorker indexer(KafkaSettings kafka, String instance, ChunkStore store, MeterRegistry metrics) {
    return new IndexerWorker(kafka, instance, store, INDEX_MAX_POLL, metrics);
  }

  /**
   * An indexer of store {@code storeName} that writes whichever generation {@code target} names and follows it
   * (the Qdrant and Elasticsearch aliases), re-embedding with {@code reembedder} for a generation of another model.
   */
  static IndexerWorker indexer(KafkaSettings kafka, String instance, String storeName, IndexTarget target,
      Reembedder reembedder, MeterRegistry metrics) {
    return new IndexerWorker(kafka, instance, storeName, target, reembedder, INDEX_MAX_POLL, metrics);
  }

  /**
   * A Lucene indexer that writes the generation the {@code CURRENT} pointer names (else {@code fallback}) and follows
   * a swap without a restart, re-embedding with {@code reembedder} for a generation of another model.
   */
  static IndexerWorker indexer(KafkaSettings kafka, String instance, LuceneWriters writers, String fallback,
      Reembedder reembedder, MeterRegistry metrics) {
    return new IndexerWorker(kafka, instance, "lucene", writers.followingPointer(fallback), reembedder,
        INDEX_MAX_POLL, metrics);
  }
}
