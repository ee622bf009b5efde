package io.ragstream.query;

import io.ragstream.embedding.EmbeddingModel;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The models queries are embedded with: the configured one, and any other an index generation turns out to hold
 * (after a replay with {@code --model} is swapped in), loaded once on first use and closed with the service. A query
 * vector must come from the model of the vectors it is compared with; the searcher says which that is.
 */
final class QueryModels implements AutoCloseable {
  private final EmbeddingModel configured;
  private final Function<String, ? extends EmbeddingModel> loader;
  private final Map<String, EmbeddingModel> loaded = new ConcurrentHashMap<>();

  QueryModels(EmbeddingModel configured, Function<String, ? extends EmbeddingModel> loader) {
    this.configured = Objects.requireNonNull(configured, "model");
    this.loader = Objects.requireNonNull(loader, "loader");
  }

  EmbeddingModel configured() {
    return configured;
  }

  /**
   * The model with this id.
   *
   * @throws IllegalStateException naming the model when it cannot be loaded here
   */
  EmbeddingModel get(String modelId) {
    if (modelId.equals(configured.id())) {
      return configured;
    }
    return loaded.computeIfAbsent(modelId, id -> {
      try {
        return loader.apply(id);
      } catch (RuntimeException e) {
        throw new IllegalStateException("the served index generation holds vectors of model " + id
            + ", which this query service cannot load: " + e.getMessage(), e);
      }
    });
  }

  /** Closes the models loaded here; the configured one belongs to the caller. */
  @Override
  public void close() {
    loaded.values().forEach(EmbeddingModel::close);
    loaded.clear();
  }
}
