package io.ragstream.chunker;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.StageHandle;

/** The chunker stage: the Kafka Streams topology documents → chunks, ready while its Streams client runs. */
public final class ChunkerStage {
  public static final String NAME = "chunker";

  private ChunkerStage() {}

  /** Starts the stage with its own model (for its tokenizer). */
  public static StageHandle start(ChunkerStageConfig config, KafkaSettings kafka, MeterRegistry metrics) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      EmbeddingModel model = stage.resource(EmbeddingModels.load(config.modelId()));
      return start(stage, config, kafka, metrics, model);
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }

  /** Starts the stage on a model the caller loaded and keeps owning (the embedded stack shares one). */
  public static StageHandle start(ChunkerStageConfig config, KafkaSettings kafka, MeterRegistry metrics,
      EmbeddingModel model) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      return start(stage, config, kafka, metrics, model);
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }

  private static StageHandle start(CompositeStage stage, ChunkerStageConfig config, KafkaSettings kafka,
      MeterRegistry metrics, EmbeddingModel model) {
    ChunkerApp app = stage.part(new ChunkerApp(kafka, config.stateDir(), documentChunker(model, config.chunking()),
        config.replication(), metrics));
    app.start();
    return stage;
  }

  /**
   * The chunker the live stage runs, sized by {@code model}'s tokenizer; {@code replay --from documents} cuts with
   * the same one, so chunk ids agree.
   */
  public static DocumentChunker documentChunker(EmbeddingModel model, java.util.Map<String, String> chunking) {
    ChunkerConfig config = ChunkerConfig.fromSettings(chunking, model.maxTokens(), model.tokenizer().specialTokens());
    return new DocumentChunker(model.tokenizer(), config);
  }
}
