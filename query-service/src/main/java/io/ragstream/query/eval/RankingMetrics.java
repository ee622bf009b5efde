package io.ragstream.query.eval;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-query ranking metrics with trec_eval's conventions (which pytrec_eval and so BEIR share):
 *
 * <ul>
 *   <li>a document is relevant when its judged grade is above zero; unjudged documents are not relevant;
 *   <li>nDCG@k uses the grade itself as gain and {@code 1 / log2(rank + 1)} as discount, normalised by the DCG of the
 *       ideal ranking of <em>all</em> judged documents, so a query whose relevant documents were not retrieved scores
 *       0 rather than being dropped;
 *   <li>P@k divides by k even when fewer than k documents were retrieved;
 *   <li>a ranking lists each document once: later repeats (several chunks of one document) are ignored.
 * </ul>
 *
 * <p>Averages are taken over the judged queries that have at least one relevant document, done by the caller.
 */
public final class RankingMetrics {
  private RankingMetrics() {}

  /** Normalised discounted cumulative gain at {@code k}. */
  public static double ndcg(List<String> ranking, Map<String, Integer> judged, int k) {
    double dcg = 0;
    Set<String> seen = new HashSet<>();
    int rank = 0;
    for (String doc : ranking) {
      if (rank == k) {
        break;
      }
      if (seen.add(doc)) {
        rank++;
        dcg += gain(judged, doc) / log2(rank + 1);
      }
    }
    List<Integer> ideal = judged.values().stream().filter(g -> g > 0).sorted(Comparator.reverseOrder()).toList();
    double idcg = 0;
    for (int i = 0; i < ideal.size() && i < k; i++) {
      idcg += ideal.get(i) / log2(i + 2);
    }
    return idcg == 0 ? 0 : dcg / idcg;
  }

  /** Fraction of the relevant documents found in the first {@code k}. */
  public static double recall(List<String> ranking, Map<String, Integer> judged, int k) {
    long relevant = judged.values().stream().filter(g -> g > 0).count();
    return relevant == 0 ? 0 : (double) relevantInTop(ranking, judged, k) / relevant;
  }

  /** Relevant documents in the first {@code k}, divided by {@code k}. */
  public static double precision(List<String> ranking, Map<String, Integer> judged, int k) {
    return (double) relevantInTop(ranking, judged, k) / k;
  }

  /** Reciprocal of the rank of the first relevant document within the first {@code k}; 0 if there is none. */
  public static double reciprocalRank(List<String> ranking, Map<String, Integer> judged, int k) {
    Set<String> seen = new HashSet<>();
    int rank = 0;
    for (String doc : ranking) {
      if (seen.add(doc)) {
        rank++;
        if (rank > k) {
          return 0;
        }
        if (gain(judged, doc) > 0) {
          return 1.0 / rank;
        }
      }
    }
    return 0;
  }

  private static int relevantInTop(List<String> ranking, Map<String, Integer> judged, int k) {
    Set<String> seen = new HashSet<>();
    int found = 0;
    for (String doc : ranking) {
      if (seen.size() == k) {
        break;
      }
      if (seen.add(doc) && gain(judged, doc) > 0) {
        found++;
      }
    }
    return found;
  }

  private static int gain(Map<String, Integer> judged, String doc) {
    return Math.max(0, judged.getOrDefault(doc, 0));
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
