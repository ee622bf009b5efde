package io.ragstream.query;

/**
 * Settings of {@link SearchService}, validated on construction so a bad value refuses to start the service.
 *
 * @param rrfK the RRF constant {@code k} in {@code 1 / (k + rank)}; larger values flatten the advantage of top ranks.
 *     60 is the value of the original paper (Cormack et al., 2009) and of Elasticsearch and OpenSearch
 * @param candidatesPerRetriever how many hits each retriever contributes to hybrid fusion; a chunk that neither
 *     retriever ranks this high cannot be fused in. Raised to {@code k} when a request asks for more
 * @param maxK the largest {@code k} a request may ask for
 */
public record SearchConfig(int rrfK, int candidatesPerRetriever, int maxK) {
  public static final int DEFAULT_RRF_K = 60;
  public static final int DEFAULT_CANDIDATES_PER_RETRIEVER = 50;
  public static final int DEFAULT_MAX_K = 100;

  // beyond these a request costs more than any ranked list is worth, so they are configuration errors
  private static final int MAX_CANDIDATES = 10_000;

  public SearchConfig {
    if (rrfK < 1) {
      throw new IllegalArgumentException("rrfK must be at least 1, got " + rrfK);
    }
    if (candidatesPerRetriever < 1 || candidatesPerRetriever > MAX_CANDIDATES) {
      throw new IllegalArgumentException(
          "candidatesPerRetriever must be between 1 and " + MAX_CANDIDATES + ", got " + candidatesPerRetriever);
    }
    if (maxK < 1 || maxK > MAX_CANDIDATES) {
      throw new IllegalArgumentException("maxK must be between 1 and " + MAX_CANDIDATES + ", got " + maxK);
    }
  }

  public static SearchConfig defaults() {
    return new SearchConfig(DEFAULT_RRF_K, DEFAULT_CANDIDATES_PER_RETRIEVER, DEFAULT_MAX_K);
  }
}
