package io.ragstream.embedding;

import io.ragstream.runtime.config.Setting;

/** The embedding model setting the chunker (its tokenizer), the embedder, the indexer and the query side share. */
public final class ModelSettings {
  public static final Setting MODEL = Setting.string("model", EmbeddingModels.DEFAULT_ID,
      "embedding model id (all stages of a stack must agree)");

  private ModelSettings() {}

  /** The model id, checked against the known models (the error names them). */
  public static String modelId(String id) {
    EmbeddingModels.spec(id);
    return id;
  }
}
