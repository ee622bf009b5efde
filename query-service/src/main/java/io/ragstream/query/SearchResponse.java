package io.ragstream.query;

import java.util.List;

/**
 * The answer to a {@link SearchRequest}.
 *
 * @param results best first, at most {@code k}
 * @param tookMs time spent in retrieval and fusion, in milliseconds
 */
public record SearchResponse(List<SearchResult> results, long tookMs, SearchMode mode) {
  public SearchResponse {
    results = List.copyOf(results);
  }
}
