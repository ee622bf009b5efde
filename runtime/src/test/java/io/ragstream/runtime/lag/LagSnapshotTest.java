package io.ragstream.runtime.lag;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LagSnapshotTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void rateIsCommittedOffsetsPerSecondAndDrainIsLagOverRate() {
    LagSnapshot before = new LagSnapshot(T0, List.of("g"), List.of(
        new LagSnapshot.PartitionLag("g", "t", 0, 100, 1000), new LagSnapshot.PartitionLag("g", "t", 1, 0, 100)));
    LagSnapshot now = new LagSnapshot(T0.plusSeconds(2), List.of("g"), List.of(
        new LagSnapshot.PartitionLag("g", "t", 0, 300, 1000), new LagSnapshot.PartitionLag("g", "t", 1, 100, 100)));

    LagSnapshot.GroupLag g = now.groups(before).getFirst();

    assertThat(g.lag()).isEqualTo(700);
    assertThat(g.recordsPerSecond()).isEqualTo(150.0);
    assertThat(g.drain()).isEqualTo(Duration.ofMillis(4667));
  }

  @Test
  void aCaughtUpGroupDrainsInZeroAndAStalledOneHasNoEstimate() {
    LagSnapshot before = new LagSnapshot(T0, List.of("idle", "stuck"), List.of(
        new LagSnapshot.PartitionLag("idle", "t", 0, 5, 5), new LagSnapshot.PartitionLag("stuck", "t", 0, 5, 9)));
    LagSnapshot now = new LagSnapshot(T0.plusSeconds(1), before.groups(), before.partitions());

    List<LagSnapshot.GroupLag> groups = now.groups(before);

    assertThat(groups.get(0).drain()).isEqualTo(Duration.ZERO);
    assertThat(groups.get(1).lag()).isEqualTo(4);
    assertThat(groups.get(1).drain()).isNull();
  }

  @Test
  void withoutAPreviousSnapshotTheRateIsUnknownAndAGroupWithoutOffsetsIsStillListed() {
    LagSnapshot now = new LagSnapshot(T0, List.of("new", "old"), List.of(
        new LagSnapshot.PartitionLag("old", "t", 0, 1, 1)));

    List<LagSnapshot.GroupLag> groups = now.groups(null);

    assertThat(groups).extracting(LagSnapshot.GroupLag::group).containsExactly("new", "old");
    assertThat(groups.get(1).recordsPerSecond()).isNaN();
  }
}
