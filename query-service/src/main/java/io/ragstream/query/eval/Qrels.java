package io.ragstream.query.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Relevance judgements: query id → (document id → graded relevance). As in trec_eval, a grade above zero is relevant
 * and a judged grade of zero counts as not relevant.
 */
public final class Qrels {
  private final Map<String, Map<String, Integer>> judged;

  public Qrels(Map<String, Map<String, Integer>> judged) {
    Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
    judged.forEach((q, docs) -> copy.put(q, Collections.unmodifiableMap(new LinkedHashMap<>(docs))));
    this.judged = Collections.unmodifiableMap(copy);
  }

  /** The judged queries, in file order. */
  public Set<String> queryIds() {
    return judged.keySet();
  }

  /** The judgements of a query; empty if it has none. */
  public Map<String, Integer> of(String queryId) {
    return judged.getOrDefault(queryId, Map.of());
  }

  /** Judged pairs in all. */
  public int size() {
    return judged.values().stream().mapToInt(Map::size).sum();
  }
}
