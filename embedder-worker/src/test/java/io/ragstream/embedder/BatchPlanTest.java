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
    BatchPlan plan = BatchPlan.of(new int[] {10, 30}, 1000, 64);

    assertThat(plan.paddedTokens()).isEqualTo(60);
    assertThat(plan.paddingRatio()).isEqualTo(20.0 / 60);
    assertThat(BatchPlan.of(new int[0], 100, 8).batches()).isEmpty();
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
