package io.ragstream.query;

import io.ragstream.runtime.http.InputLimits;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A search as {@link SearchService} takes it, independent of how it arrived. Nulls take the documented defaults;
 * anything invalid throws {@link IllegalArgumentException} (a 400 over HTTP). The upper bound of {@code k} is the
 * service's {@link SearchConfig#maxK()}, checked there.
 *
 * @param query the text to search for; not blank
 * @param k how many results, at least 1
 * @param mode defaults to {@link SearchMode#HYBRID}
 * @param tenant defaults to {@value #DEFAULT_TENANT}
 * @param filter exact-match conditions on chunk metadata, all of which must hold; defaults to none
 * @param rerank whether the configured reranker re-scores the retrieved candidates; a service without one refuses
 *     the request rather than silently skipping the step
 * @param expand whether the query is also searched in the configured expander's rephrasings (multi-query), the
 *     rankings fused by RRF; a service without an expander refuses the request
 * @param principals the caller's principals (from its API key): only documents without an ACL or with an ACL naming
 *     one of them are searched, inside each retriever; null when unrestricted (open mode, internal callers). An empty
 *     list (a key without principals) sees only the documents without an ACL
 */
public record SearchRequest(String query, int k, SearchMode mode, String tenant, Map<String, String> filter,
    boolean rerank, boolean expand, List<String> principals) {
  public static final int DEFAULT_K = 10;
  public static final String DEFAULT_TENANT = "default";

  public SearchRequest {
    if (query == null || query.isBlank()) {
      throw new IllegalArgumentException("query must not be blank");
    }
    InputLimits.query(query);
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    mode = mode == null ? SearchMode.HYBRID : mode;
    if (tenant == null) {
      tenant = DEFAULT_TENANT;
    } else if (tenant.isBlank()) {
      throw new IllegalArgumentException("tenant must not be blank");
    }
    if (filter == null) {
      filter = Map.of();
    } else {
      filter.forEach((key, value) -> {
        if (key == null || key.isBlank() || value == null) {
          throw new IllegalArgumentException("filter must map non-blank keys to string values, got "
              + InputLimits.printable(key));
        }
      });
      // bounded: each filter is a clause of the store's query, and Lucene refuses more than 1,024 in all (a 500)
      filter = Map.copyOf(InputLimits.filters(filter));
    }
    principals = principals == null ? null : List.copyOf(new TreeSet<>(principals));
  }

  /** A search of everything the tenant holds (no ACL restriction). */
  public SearchRequest(String query, int k, SearchMode mode, String tenant, Map<String, String> filter,
      boolean rerank, boolean expand) {
    this(query, k, mode, tenant, filter, rerank, expand, null);
  }

  /** This search restricted to what a caller with {@code callerPrincipals} may see (null: unrestricted). */
  public SearchRequest withPrincipals(List<String> callerPrincipals) {
    return new SearchRequest(query, k, mode, tenant, filter, rerank, expand, callerPrincipals);
  }

  /** A search without multi-query expansion. */
  public SearchRequest(String query, int k, SearchMode mode, String tenant, Map<String, String> filter,
      boolean rerank) {
    this(query, k, mode, tenant, filter, rerank, false);
  }

  /** A search without rerank. */
  public SearchRequest(String query, int k, SearchMode mode, String tenant, Map<String, String> filter) {
    this(query, k, mode, tenant, filter, false);
  }

  /** A hybrid search of the default tenant for the {@value #DEFAULT_K} best chunks. */
  public static SearchRequest of(String query) {
    return new SearchRequest(query, DEFAULT_K, SearchMode.HYBRID, DEFAULT_TENANT, Map.of());
  }
}
