package io.ragstream.query.eval;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of an {@link Evaluation}: mean metrics over the evaluated queries and per-query latency percentiles.
 * Serialised as is by {@code ragstream eval --out}.
 */
public record EvalReport(
    String mode,
    boolean rerank,
    int queries,
    double ndcgAt10,
    double recallAt100,
    double mrrAt10,
    double precisionAt10,
    double latencyP50Ms,
    double latencyP99Ms) {

  /** Human-readable lines, the machine-readable {@link #resultLine()} last. */
  public List<String> lines() {
    return List.of(
        String.format(Locale.ROOT, "mode         %s%s", mode, rerank ? " + rerank" : ""),
        String.format(Locale.ROOT, "queries      %d", queries),
        String.format(Locale.ROOT, "nDCG@10      %.4f", ndcgAt10),
        String.format(Locale.ROOT, "Recall@100   %.4f", recallAt100),
        String.format(Locale.ROOT, "MRR@10       %.4f", mrrAt10),
        String.format(Locale.ROOT, "P@10         %.4f", precisionAt10),
        String.format(Locale.ROOT, "latency p50  %.2f ms", latencyP50Ms),
        String.format(Locale.ROOT, "latency p99  %.2f ms", latencyP99Ms),
        resultLine());
  }

  /** {@code RESULT ndcg@10=<x> recall@100=<y> mrr@10=<z>}: the line scripts grep for. */
  public String resultLine() {
    return String.format(Locale.ROOT, "RESULT ndcg@10=%.4f recall@100=%.4f mrr@10=%.4f", ndcgAt10, recallAt100,
        mrrAt10);
  }
}
