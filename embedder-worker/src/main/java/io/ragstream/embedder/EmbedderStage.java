package io.ragstream.embedder;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.StageHandle;

/** The embedder stage (chunks → embeddings): one worker with its own batch-tuned ONNX session. */
public final class EmbedderStage {
  public static final String NAME = EmbedderWorker.STAGE;

  private EmbedderStage() {}

  /** Starts the stage, loading its model (seconds). */
  public static StageHandle start(EmbedderStageConfig config, KafkaSettings kafka, MeterRegistry metrics) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      stage.worker(NAME, EmbedderWorker.create(kafka, config.instance(), config.modelId(), config.batching(),
          config.cacheDir(), metrics));
      return stage;
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }

  /** Starts the stage on a model the caller loaded and keeps owning, without a cache (benchmarks, chaos runs). */
  public static StageHandle start(EmbedderStageConfig config, KafkaSettings kafka, MeterRegistry metrics,
      OnnxEmbeddingModel model) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      stage.worker(NAME, EmbedderWorker.create(kafka, config.instance(), model, config.batching(),
          config.cacheDir(), metrics));
      return stage;
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }
}
