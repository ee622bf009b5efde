package io.ragstream.query;

import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The models queries are embedded with: the configured one, and any other an index generation turns out to hold
 * (after a replay with {@code --model} is swapped in), loaded once on first use and closed with the service. A query
 * vector must come from the model of the vectors it is compared with; the searcher says which that is.
 *
 * <p>With {@code quantized} on, search queries are embedded by the int8-quantised twin of the index's model where
 * one ships ({@link #QUANTIZED_TWINS}): the same weights rounded to int8, so its vectors lie in the same space as the
 * documents' fp32 vectors at well under the cost. On SciFact train this took the MiniLM query embedding of a claim
 * from 9.2 to 5.9 ms (p50, 2 shared cores) for a vector nDCG@10 of 0.6963 against 0.6968, but hybrid nDCG@10 fell
 * from 0.7321 to 0.7284, so it is off by default (docs/BENCHMARKS.md). The vector a search compares stays labelled
 * with the index's model, so the model check still refuses another model's index.
 */
final class QueryModels implements AutoCloseable {
  private final EmbeddingModel configured;
  private final Function<String, ? extends EmbeddingModel> loader;
  private final Map<String, EmbeddingModel> loaded = new ConcurrentHashMap<>();
  private final boolean quantized;

  /**
   * Each fp32 model that has an int8 twin of the same weights, and that twin; a twin whose files are not on the
   * classpath is left out, so its model embeds its own queries.
   */
  static final Map<String, String> QUANTIZED_TWINS = Map.of(
      EmbeddingModels.ALL_MINILM_L6_V2.id(), EmbeddingModels.ALL_MINILM_L6_V2_Q.id()).entrySet().stream()
      .filter(e -> EmbeddingModels.available(e.getValue()))
      .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));

  QueryModels(EmbeddingModel configured, Function<String, ? extends EmbeddingModel> loader) {
    this(configured, loader, false);
  }

  QueryModels(EmbeddingModel configured, Function<String, ? extends EmbeddingModel> loader, boolean quantized) {
    this.configured = Objects.requireNonNull(configured, "model");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.quantized = quantized;
  }

  /**
   * The model that embeds search queries against vectors of {@code modelId}: its int8 twin when quantised query
   * embedding is on and one ships, else the model itself ({@link #get}).
   */
  EmbeddingModel forSearch(String modelId) {
    String twin = quantized ? QUANTIZED_TWINS.get(modelId) : null;
    return get(twin == null ? modelId : twin);
  }

  /** The id of the model {@link #forSearch} uses for vectors of {@code modelId}, for cache keys. */
  String searchModelId(String modelId) {
    String twin = quantized ? QUANTIZED_TWINS.get(modelId) : null;
    return twin == null ? modelId : twin;
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
