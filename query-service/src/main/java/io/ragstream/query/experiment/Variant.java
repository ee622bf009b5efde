package io.ragstream.query.experiment;

import io.ragstream.query.Fusion;
import io.ragstream.query.SearchConfig;

/**
 * One arm of an {@link Experiment}: the search settings it overrides; a null field keeps the service's setting.
 *
 * @param name unique within its experiment; the first variant of an experiment is its control
 * @param fusion {@code rrf} or {@code weighted}
 * @param rrfK the RRF constant
 * @param vectorWeight the vector weight of weighted fusion
 * @param candidates candidates per retriever
 * @param rerank whether searches of this variant are reranked (needs a configured reranker)
 */
public record Variant(String name, String fusion, Integer rrfK, Double vectorWeight, Integer candidates,
    Boolean rerank) {
  public Variant {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("every variant needs a name");
    }
    if (fusion != null) {
      Fusion.parse(fusion);
    }
  }

  /** A variant that changes nothing: a control. */
  public static Variant control(String name) {
    return new Variant(name, null, null, null, null, null);
  }

  /** The service's settings with this variant's overrides; invalid values fail here, at startup. */
  public SearchConfig apply(SearchConfig base) {
    SearchConfig c = base;
    if (fusion != null || vectorWeight != null) {
      c = c.withFusion(fusion == null ? c.fusion() : Fusion.parse(fusion),
          vectorWeight == null ? c.vectorWeight() : vectorWeight);
    }
    if (rrfK != null) {
      c = c.withRrfK(rrfK);
    }
    if (candidates != null) {
      c = c.withCandidatesPerRetriever(candidates);
    }
    return c;
  }

  /** Whether this variant reranks; a variant that says nothing follows the request. */
  public boolean rerank(boolean requested) {
    return rerank == null ? requested : rerank;
  }
}
