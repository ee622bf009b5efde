package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.chunker.ChunkerApp;
import io.ragstream.chunker.ChunkerConfig;
import io.ragstream.chunker.DocumentChunker;
import io.ragstream.embedder.EmbedBatchProcessor;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.ingest.extract.ExtractBatchProcessor;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.schemas.Topics;
import java.nio.file.Path;

/**
 * Builds each stage from its dependencies. The embedded stack and the one-stage-per-process commands share these,
 * so a stage behaves the same in both modes.
 */
final class Stages {
  /** Tika is slow per document; small polls keep a transaction (and a retry after a failure) short. */
  static final int EXTRACT_MAX_POLL = 16;
  static final int EMBED_MAX_POLL = 256;
  static final int EMBED_MODEL_BATCH = 32;
  static final int INDEX_MAX_POLL = 1000;

  private Stages() {}

  static TransactionalStage extract(KafkaSettings kafka, String instance, TikaExtractor extractor,
      MeterRegistry metrics) {
    return new TransactionalStage("extract", instance, kafka, Topics.INGEST.name(kafka.topicPrefix()),
        EXTRACT_MAX_POLL, new ExtractBatchProcessor(extractor, kafka.topicPrefix(), metrics), metrics);
  }

  static ChunkerApp chunker(KafkaSettings kafka, Path stateDir, EmbeddingModel model, short replication,
      MeterRegistry metrics) {
    ChunkerConfig config = ChunkerConfig.forModel(model.maxTokens(), model.tokenizer().specialTokens());
    return new ChunkerApp(kafka, stateDir, new DocumentChunker(model.tokenizer(), config), replication, metrics);
  }

  static TransactionalStage embedder(KafkaSettings kafka, String instance, EmbeddingModel model,
      MeterRegistry metrics) {
    return new TransactionalStage("embedder", instance, kafka, Topics.CHUNKS.name(kafka.topicPrefix()),
        EMBED_MAX_POLL, new EmbedBatchProcessor(model, EMBED_MODEL_BATCH, kafka.topicPrefix(), metrics), metrics);
  }

  static IndexerWorker indexer(KafkaSettings kafka, String instance, ChunkStore store, MeterRegistry metrics) {
    return new IndexerWorker(kafka, instance, store, INDEX_MAX_POLL, metrics);
  }
}
