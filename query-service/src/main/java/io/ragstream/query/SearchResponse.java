package io.ragstream.query;

import java.util.List;

/**
 * The answer to a {@link SearchRequest}.
 *
 * @param results best first, at most {@code k}
 * @param tookMs time spent answering, in milliseconds (the cache lookup only, for a cached answer)
 * @param cached whether the answer came from the query cache
 */
public record SearchResponse(List<SearchResult> results, long tookMs, SearchMode mode, boolean cached) {
  public SearchResponse {
    results = List.copyOf(results);
  }

  /** A freshly computed response. */
  public SearchResponse(List<SearchResult> results, long tookMs, SearchMode mode) {
    this(results, tookMs, mode, false);
  }

  /** This response as served from the cache, with the lookup's own time. */
  public SearchResponse fromCache(long lookupMs) {
    return new SearchResponse(results, lookupMs, mode, true);
  }
}
