package io.ragstream.runtime.lag;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Committed and end offsets of every ragstream consumer group (plain-consumer stages and the Streams application) at
 * one instant. Two snapshots give each group's consumption rate and the time it needs to drain its lag.
 *
 * @param groups every group, sorted, including those that have not committed an offset yet (a stage that just
 *     joined): they have no partition rows
 * @param partitions one row per group, topic and partition, sorted
 */
public record LagSnapshot(Instant at, List<String> groups, List<PartitionLag> partitions) {

  public LagSnapshot {
    groups = List.copyOf(groups);
    partitions = List.copyOf(partitions);
  }

  /**
   * One partition of one group.
   *
   * @param committed the group's committed offset. The transactional stages commit their consumer position, which is
   *     past trailing transaction markers, so a caught-up stage shows lag 0
   * @param end the read_committed end offset (the last stable offset)
   */
  public record PartitionLag(String group, String topic, int partition, long committed, long end) {
    public long lag() {
      return Math.max(0, end - committed);
    }
  }

  /**
   * One group, summed over its partitions.
   *
   * @param recordsPerSecond offsets committed per second since the previous snapshot; NaN without one
   * @param drain the estimated time to consume the current lag at that rate: zero without lag, null when the group
   *     lags but did not move (stalled, or no previous snapshot)
   */
  public record GroupLag(String group, long committed, long end, long lag, double recordsPerSecond, Duration drain) {}

  /** Per-group sums, with rates computed against {@code previous} (may be null). */
  public List<GroupLag> groups(LagSnapshot previous) {
    Map<String, long[]> now = sums(this);
    Map<String, long[]> before = previous == null ? Map.of() : sums(previous);
    double seconds = previous == null ? 0 : Duration.between(previous.at, at).toMillis() / 1000.0;
    List<GroupLag> groups = new ArrayList<>();
    for (Map.Entry<String, long[]> e : now.entrySet()) {
      long committed = e.getValue()[0];
      long end = e.getValue()[1];
      long lag = e.getValue()[2];
      long[] old = before.get(e.getKey());
      double rate = old == null || seconds <= 0 ? Double.NaN : Math.max(0, committed - old[0]) / seconds;
      Duration drain = lag == 0 ? Duration.ZERO
          : rate > 0 ? Duration.ofMillis((long) Math.ceil(lag / rate * 1000)) : null;
      groups.add(new GroupLag(e.getKey(), committed, end, lag, rate, drain));
    }
    return groups;
  }

  private static Map<String, long[]> sums(LagSnapshot snapshot) {
    Map<String, long[]> sums = new LinkedHashMap<>();
    snapshot.groups.forEach(g -> sums.put(g, new long[3]));
    for (PartitionLag p : snapshot.partitions) {
      long[] sum = sums.computeIfAbsent(p.group(), g -> new long[3]);
      sum[0] += p.committed();
      sum[1] += p.end();
      sum[2] += p.lag();
    }
    return sums;
  }
}
