package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.Reembedder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The indexer's {@link Reembedder}: models loaded on first use (only when a generation of another model than the
 * embedder stage's is written, i.e. after a replay with {@code --model}), each with its own session, kept until
 * close.
 */
final class ModelReembedder implements Reembedder, AutoCloseable {
  private final Map<String, EmbeddingModel> models = new ConcurrentHashMap<>();

  @Override
  public float[][] embed(String modelId, List<String> texts) {
    return models.computeIfAbsent(modelId, EmbeddingModels::load).embedAll(texts);
  }

  @Override
  public void close() {
    models.values().forEach(EmbeddingModel::close);
    models.clear();
  }
}
