package io.ragstream.query;

import java.util.Objects;

/**
 * Settings of {@link SearchService}, validated on construction so a bad value refuses to start the service. Every
 * field changes answers, so all of them are part of a query-cache key ({@link #fingerprint()}).
 *
 * @param rrfK the RRF constant {@code k} in {@code 1 / (k + rank)}; larger values flatten the advantage of top ranks.
 *     60 is the value of the original paper (Cormack et al., 2009) and of Elasticsearch and OpenSearch; 10 measured
 *     better here
 * @param candidatesPerRetriever how many hits each retriever contributes to hybrid fusion; a chunk that neither
 *     retriever ranks this high cannot be fused in. Raised to {@code k} when a request asks for more
 * @param maxK the largest {@code k} a request may ask for
 * @param fusion how hybrid mode combines the two rankings
 * @param vectorWeight the vector side's weight in {@link Fusion#WEIGHTED} fusion, in [0, 1]; unused by RRF
 * @param rerankCandidates how many fused candidates a reranker re-scores (at least {@code k} of a request)
 */
public record SearchConfig(int rrfK, int candidatesPerRetriever, int maxK, Fusion fusion, double vectorWeight,
    int rerankCandidates) {
  // Tuned on the SciFact train split (docs/BENCHMARKS.md, "Retrieval quality"): weighted fusion at 0.5 gave the best
  // nDCG@10 (0.716 against 0.709 for the best RRF); RRF peaked at k=10 (60, the literature's value: 0.703); 100
  // candidates per retriever gained 0.0004 over 50 at twice the retrieval work.
  public static final int DEFAULT_RRF_K = 10;
  public static final int DEFAULT_CANDIDATES_PER_RETRIEVER = 50;
  public static final int DEFAULT_MAX_K = 100;
  public static final Fusion DEFAULT_FUSION = Fusion.WEIGHTED;
  public static final double DEFAULT_VECTOR_WEIGHT = 0.5;
  public static final int DEFAULT_RERANK_CANDIDATES = 50;

  // beyond these a request costs more than any ranked list is worth, so they are configuration errors
  private static final int MAX_CANDIDATES = 10_000;

  public SearchConfig {
    if (rrfK < 1) {
      throw new IllegalArgumentException("rrfK must be at least 1, got " + rrfK);
    }
    range("candidatesPerRetriever", candidatesPerRetriever);
    range("maxK", maxK);
    range("rerankCandidates", rerankCandidates);
    Objects.requireNonNull(fusion, "fusion");
    if (!(vectorWeight >= 0 && vectorWeight <= 1)) {
      throw new IllegalArgumentException("vectorWeight must be between 0 and 1, got " + vectorWeight);
    }
  }

  /** RRF with the given constants (whatever the default fusion), default rerank candidates. */
  public SearchConfig(int rrfK, int candidatesPerRetriever, int maxK) {
    this(rrfK, candidatesPerRetriever, maxK, Fusion.RRF, DEFAULT_VECTOR_WEIGHT, DEFAULT_RERANK_CANDIDATES);
  }

  public static SearchConfig defaults() {
    return new SearchConfig(DEFAULT_RRF_K, DEFAULT_CANDIDATES_PER_RETRIEVER, DEFAULT_MAX_K, DEFAULT_FUSION,
        DEFAULT_VECTOR_WEIGHT, DEFAULT_RERANK_CANDIDATES);
  }

  public SearchConfig withRrfK(int k) {
    return new SearchConfig(k, candidatesPerRetriever, maxK, fusion, vectorWeight, rerankCandidates);
  }

  public SearchConfig withCandidatesPerRetriever(int n) {
    return new SearchConfig(rrfK, n, maxK, fusion, vectorWeight, rerankCandidates);
  }

  public SearchConfig withMaxK(int max) {
    return new SearchConfig(rrfK, candidatesPerRetriever, max, fusion, vectorWeight, rerankCandidates);
  }

  public SearchConfig withFusion(Fusion f, double weight) {
    return new SearchConfig(rrfK, candidatesPerRetriever, maxK, f, weight, rerankCandidates);
  }

  public SearchConfig withRerankCandidates(int n) {
    return new SearchConfig(rrfK, candidatesPerRetriever, maxK, fusion, vectorWeight, n);
  }

  /** The answer-changing settings as one string, for cache keys. */
  public String fingerprint() {
    return "f=" + fusion.wireName() + ";rrfK=" + rrfK + ";n=" + candidatesPerRetriever + ";w=" + vectorWeight
        + ";rr=" + rerankCandidates;
  }

  private static void range(String name, int value) {
    if (value < 1 || value > MAX_CANDIDATES) {
      throw new IllegalArgumentException(name + " must be between 1 and " + MAX_CANDIDATES + ", got " + value);
    }
  }
}
