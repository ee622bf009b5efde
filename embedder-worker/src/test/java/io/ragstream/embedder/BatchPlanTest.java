package io.ragstream.embedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

  @Test
  void everyBatchStaysWithinTheTokenBudgetAndEveryTextIsPlannedOnce() {
    int[] lengths = new java.util.Random(3).ints(500, 3, 256).toArray();

    BatchPlan plan = BatchPlan.of(lengths, 2048, 64);

    for (int[] batch : plan.batches()) {
      int longest = Arrays.stream(batch).map(i -> lengths[i]).max().orElseThrow();
      assertThat((long) longest * batch.length).isLessThanOrEqualTo(2048);
      assertThat(batch.length).isLessThanOrEqualTo(64);
    }
    int[] planned = plan.batches().stream().flatMapToInt(Arrays::stream).sorted().toArray();
    assertThat(planned).containsExactly(IntStream.range(0, lengths.length).toArray());
  }

  @Test
  void bucketingByLengthKeepsPaddingSmallWhereInputOrderWouldNot() {
    // alternating short and long texts: batching in input order would pad every short one to the long length
    int[] lengths = IntStream.range(0, 256).map(i -> i % 2 == 0 ? 16 : 128).toArray();

    BatchPlan plan = BatchPlan.of(lengths, 2048, 64);

    assertThat(plan.paddingRatio()).isZero();
    assertThat(plan.realTokens()).isEqualTo(128L * 16 + 128L * 128);
    // short texts fill large batches, long ones small: each call does about the same work
    assertThat(plan.batches().getFirst()).hasSize(64);
    assertThat(plan.batches().getLast()).hasSize(16);
  }

  @Test
  void aTextLongerThanTheBudgetGetsABatchOfItsOwn() {
    BatchPlan plan = BatchPlan.of(new int[] {512, 10, 10}, 256, 64);

    assertThat(plan.batches()).hasSize(2);
    assertThat(plan.batches().getLast()).containsExactly(0);
  }

  @Test
  void paddingRatioCountsTheTokensAddedToReachEachBatchsLongest() {
    BatchPlan plan = BatchPlan.of(new int[] {124, 128}, 1000, 64);

    assertThat(plan.batches()).hasSize(1);
    assertThat(plan.paddedTokens()).isEqualTo(256);
    assertThat(plan.paddingRatio()).isEqualTo(4.0 / 256);
    assertThat(BatchPlan.of(new int[0], 100, 8).batches()).isEmpty();
  }

  @Test
  void aShortTextIsNotPaddedToTheLongOnesToSaveACall() {
    // a document's last chunk beside full ones: filling the budget from the shortest up would pad the 20-token
    // text (and the 124) to 128
    int[] lengths = IntStream.range(0, 17).map(i -> i == 0 ? 20 : i == 1 ? 124 : 128).toArray();

    BatchPlan plan = BatchPlan.of(lengths, 2048, 64);

    assertThat(plan.batches()).hasSize(2);
    assertThat(plan.batches().getFirst()).containsExactly(0);
    assertThat(plan.paddedTokens()).isEqualTo(20 + 16 * 128);
  }

  @Test
  void theCutsComputeTheFewestTokensOfEveryPlanWithinTheBudget() {
    java.util.Random random = new java.util.Random(7);
    for (int round = 0; round < 200; round++) {
      int[] lengths = random.ints(random.nextInt(1, 11), 3, 130).toArray();
      int budget = random.nextInt(128, 700);
      int maxSize = random.nextInt(1, 6);

      BatchPlan plan = BatchPlan.of(lengths, budget, maxSize);

      long planned = plan.paddedTokens() + (long) BatchPlan.CALL_COST_TOKENS * plan.batches().size();
      assertThat(planned).as("lengths %s, budget %d, max size %d", Arrays.toString(lengths), budget, maxSize)
          .isEqualTo(cheapestByEnumeration(lengths, budget, maxSize));
      for (int[] batch : plan.batches()) {
        assertThat(batch.length).isLessThanOrEqualTo(maxSize);
        int longest = Arrays.stream(batch).map(i -> lengths[i]).max().orElseThrow();
        assertThat(batch.length == 1 || (long) longest * batch.length <= budget).isTrue();
      }
    }
  }

  /** Every way to cut the sorted lengths into runs, the cheapest allowed one's cost. */
  private static long cheapestByEnumeration(int[] lengths, int budget, int maxSize) {
    int[] sorted = lengths.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    long best = Long.MAX_VALUE;
    for (int cuts = 0; cuts < 1 << (n - 1); cuts++) { // bit k set: a batch ends after text k
      long cost = 0;
      int start = 0;
      boolean allowed = true;
      for (int k = 0; k < n && allowed; k++) {
        if (k == n - 1 || (cuts & (1 << k)) != 0) {
          int size = k - start + 1;
          allowed = size <= maxSize && (size == 1 || (long) size * sorted[k] <= budget);
          cost += (long) size * sorted[k] + BatchPlan.CALL_COST_TOKENS;
          start = k + 1;
        }
      }
      if (allowed) {
        best = Math.min(best, cost);
      }
    }
    return best;
  }

  @Test
  void configIsValidatedBeforeAnythingStarts() {
    EmbedderConfig defaults = EmbedderConfig.defaults();
    assertThat(defaults.parallelism() * defaults.onnx().intraOpThreads())
        .isBetween(1, Runtime.getRuntime().availableProcessors());
    assertThatThrownBy(() -> defaults.withMaxBatchTokens(0)).hasMessageContaining("maxBatchTokens");
    assertThatThrownBy(() -> defaults.withParallelism(0)).hasMessageContaining("parallelism");
    assertThatThrownBy(() -> new EmbedderConfig(2048, 64, Duration.ofMinutes(5), 1, 1, 1, 1, defaults.onnx()))
        .hasMessageContaining("maxWait");
  }
}
