package io.ragstream.launcher;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.lag.ConsumerLagReader;
import io.ragstream.runtime.lag.LagSnapshot;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;

/**
 * What {@code ragstream lag} prints: committed offset, end offset and lag of every ragstream consumer group (the
 * plain-consumer stages and the chunker's Streams application), per partition and per group with the consumption
 * rate and the estimated time to drain.
 */
final class ConsumerLag {
  /** The stages of the embedded pipeline; {@code ragstream lag} fails when one of them has no group. */
  static final List<String> EXPECTED_STAGES = List.of("extract", "chunker", "embedder", "indexer", "status");

  record Row(String group, String topic, int partition, long committed, long end, long lag) {}

  private ConsumerLag() {}

  static List<Row> read(KafkaSettings kafka) throws ExecutionException, InterruptedException {
    try (Admin admin = Admin.create(kafka.admin())) {
      return ConsumerLagReader.read(admin, kafka.topicPrefix()).partitions().stream()
          .map(p -> new Row(p.group(), p.topic(), p.partition(), p.committed(), p.end(), p.lag())).toList();
    }
  }

  /**
   * The expected stages that have no group: a stage's group is {@code <prefix><stage>}, or {@code
   * <prefix><stage>-...} for the indexer, whose group names its store and generation.
   */
  static List<String> missing(LagSnapshot snapshot, String prefix, List<String> expected) {
    return expected.stream().filter(stage -> snapshot.groups().stream()
        .noneMatch(g -> g.equals(prefix + stage) || g.startsWith(prefix + stage + "-"))).toList();
  }

  static void print(PrintStream out, LagSnapshot now, LagSnapshot previous) {
    out.printf("%-34s %-28s %9s %12s %12s %9s%n", "GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
    for (LagSnapshot.PartitionLag p : now.partitions()) {
      out.printf("%-34s %-28s %9d %12d %12d %9d%n", p.group(), p.topic(), p.partition(), p.committed(), p.end(),
          p.lag());
    }
    out.println();
    out.printf("%-34s %12s %12s %14s%n", "GROUP", "LAG", "RECORDS/S", "DRAIN");
    for (LagSnapshot.GroupLag g : now.groups(previous)) {
      boolean noOffsets = now.partitions().stream().noneMatch(p -> p.group().equals(g.group()));
      out.printf("%-34s %12s %12s %14s%n", g.group(), noOffsets ? "-" : String.valueOf(g.lag()),
          Double.isNaN(g.recordsPerSecond()) ? "-" : String.format("%.1f", g.recordsPerSecond()),
          noOffsets ? "no offsets yet" : drain(g));
    }
  }

  private static String drain(LagSnapshot.GroupLag g) {
    Duration d = g.drain();
    if (d == null) {
      return "stalled";
    }
    return d.isZero() ? "caught up" : d.toMillis() < 60_000 ? String.format("%.1f s", d.toMillis() / 1000.0)
        : String.format("%d min %d s", d.toMinutes(), d.toSecondsPart());
  }
}
