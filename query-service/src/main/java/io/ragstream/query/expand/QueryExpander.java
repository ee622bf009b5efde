package io.ragstream.query.expand;

import java.io.IOException;
import java.util.List;

/**
 * Rewrites a query into alternative phrasings, each searched alongside the original and fused by rank
 * (multi-query retrieval): a user's wording often misses the corpus's vocabulary, and a paraphrase can find it.
 */
public interface QueryExpander {
  /** Part of every cache key, so a change of expander (or its model) never serves another's answers. */
  String id();

  /** Alternative phrasings of {@code query}, without the query itself; possibly empty. */
  List<String> expand(String query) throws IOException;
}
