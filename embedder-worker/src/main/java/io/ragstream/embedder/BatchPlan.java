package io.ragstream.embedder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Cuts texts into inference batches by a token budget, with length bucketing: texts are sorted by token length and
 * cut into runs of neighbours, each run one call whose {@code count x longest} stays within the budget. Where to cut
 * is chosen to compute as few tokens as possible: every padded token costs as much as a real one, and a call costs
 * {@link #CALL_COST_TOKENS} on top, so a short text is not padded to a long one's length to save a call (the last
 * chunk of a document is often half the others' length; a greedy fill padded SciFact's batches by ~9 %). Long texts
 * form small batches and short texts large ones, so every call does about the same work. Pure: no model, no Kafka.
 *
 * @param batches indices into the input, one array per inference call, shortest texts first
 * @param paddedTokens tokens the model computes, padding included
 * @param realTokens tokens of the texts themselves
 */
public record BatchPlan(List<int[]> batches, long paddedTokens, long realTokens) {
  /**
   * What one more inference call costs, in tokens: ONNX Runtime's per-token time is flat from one 32-token text to
   * 16 texts of 128 (MiniLM int8, one thread: 177-213 us per token in every shape, docs/EMBEDDER.md), so a call's
   * own cost is a few tokens' worth; this keeps the plan from cutting a batch to save a handful of padded tokens.
   */
  public static final int CALL_COST_TOKENS = 8;

  /**
   * @param lengths token length of each text, special tokens included
   * @param maxBatchTokens budget of padded tokens per batch (a longer text still gets a batch of its own)
   * @param maxBatchSize most texts per batch
   */
  public static BatchPlan of(int[] lengths, int maxBatchTokens, int maxBatchSize) {
    int n = lengths.length;
    int[] order = IntStream.range(0, n).boxed().sorted(Comparator.comparingInt(i -> lengths[i]))
        .mapToInt(Integer::intValue).toArray();
    // cost[j]: the least work that embeds the j shortest texts; from[j]: where the last batch of that plan starts.
    // A batch of the sorted texts from..j-1 computes (j - from) x lengths[j-1] tokens (its longest is its last).
    long[] cost = new long[n + 1];
    int[] from = new int[n + 1];
    for (int j = 1; j <= n; j++) {
      long longest = lengths[order[j - 1]];
      cost[j] = Long.MAX_VALUE;
      for (int size = 1; size <= Math.min(j, maxBatchSize); size++) {
        if (size > 1 && size * longest > maxBatchTokens) {
          break;
        }
        long c = cost[j - size] + size * longest + CALL_COST_TOKENS;
        if (c < cost[j]) {
          cost[j] = c;
          from[j] = j - size;
        }
      }
    }
    List<int[]> batches = new ArrayList<>();
    long padded = 0;
    long real = 0;
    for (int end = n; end > 0; end = from[end]) {
      int[] batch = Arrays.copyOfRange(order, from[end], end);
      for (int i : batch) {
        real += lengths[i];
      }
      padded += (long) batch.length * lengths[order[end - 1]];
      batches.add(batch);
    }
    return new BatchPlan(List.copyOf(batches.reversed()), padded, real);
  }

  /** Share of computed tokens that are padding, 0 for none. */
  public double paddingRatio() {
    return paddedTokens == 0 ? 0 : (double) (paddedTokens - realTokens) / paddedTokens;
  }
}
