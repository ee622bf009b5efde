package io.ragstream.embedder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Cuts texts into inference batches by a token budget, with length bucketing: texts are sorted by token length and
 * each batch takes the next ones while {@code count x longest} stays within the budget. Neighbours in that order
 * have similar lengths, so a batch pads little; long texts form small batches and short texts large ones, so every
 * call does about the same work. Pure: no model, no Kafka.
 *
 * @param batches indices into the input, one array per inference call
 * @param paddedTokens tokens the model computes, padding included
 * @param realTokens tokens of the texts themselves
 */
public record BatchPlan(List<int[]> batches, long paddedTokens, long realTokens) {

  /**
   * @param lengths token length of each text, special tokens included
   * @param maxBatchTokens budget of padded tokens per batch (a longer text still gets a batch of its own)
   * @param maxBatchSize most texts per batch
   */
  public static BatchPlan of(int[] lengths, int maxBatchTokens, int maxBatchSize) {
    Integer[] order = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
    List<int[]> batches = new ArrayList<>();
    long padded = 0;
    long real = 0;
    int from = 0;
    while (from < order.length) {
      int to = from + 1; // exclusive; the batch's longest text is its last, the order being ascending
      while (to < order.length && to - from < maxBatchSize
          && (long) (to - from + 1) * lengths[order[to]] <= maxBatchTokens) {
        to++;
      }
      int[] batch = new int[to - from];
      for (int k = from; k < to; k++) {
        batch[k - from] = order[k];
        real += lengths[order[k]];
      }
      padded += (long) batch.length * lengths[order[to - 1]];
      batches.add(batch);
      from = to;
    }
    return new BatchPlan(List.copyOf(batches), padded, real);
  }

  /** Share of computed tokens that are padding, 0 for none. */
  public double paddingRatio() {
    return paddedTokens == 0 ? 0 : (double) (paddedTokens - realTokens) / paddedTokens;
  }
}
