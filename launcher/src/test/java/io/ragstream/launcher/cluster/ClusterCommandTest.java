package io.ragstream.launcher.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCommandTest {
  @Test
  void replicasDefaultToOneEachAndTakeStageCounts() {
    Replicas replicas = Replicas.parse("embedder=2, query=3");
    assertThat(replicas.of("embedder")).isEqualTo(2);
    assertThat(replicas.of("query")).isEqualTo(3);
    assertThat(replicas.of("chunker")).isEqualTo(1);
    assertThat(Replicas.parse(null).counts()).containsOnlyKeys(Replicas.STAGES).allSatisfy((k, v) ->
        assertThat(v).isEqualTo(1));
  }

  @Test
  void replicasRejectUnknownStagesAndBadCountsNamingThem() {
    assertThatThrownBy(() -> Replicas.parse("embeder=2")).hasMessageContaining("'embeder=2'");
    assertThatThrownBy(() -> Replicas.parse("query=two")).hasMessageContaining("'two' is not a number");
    assertThatThrownBy(() -> Replicas.parse("query=0")).hasMessageContaining("query must be 1..16, got 0");
  }

  @Test
  void backOffDoublesFromOneSecondToThirty() {
    assertThat(List.of(1, 2, 3, 4, 5, 6, 40).stream().map(Supervisor::backoff).toList()).containsExactly(
        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(8),
        Duration.ofSeconds(16), Duration.ofSeconds(30), Duration.ofSeconds(30));
  }

  @Test
  void stateRoundTripsAndPsPrintsAHeaderThenOneLinePerProcess(@TempDir Path dir) throws Exception {
    ProcessHandle self = ProcessHandle.current();
    long started = self.info().startInstant().orElseThrow().toEpochMilli();
    ClusterState state = new ClusterState(self.pid(), started, true, List.of(
        new ClusterState.Entry("kafka-0", "broker", self.pid(), started, 9092, "running", 0),
        new ClusterState.Entry("embedder-1", "stage", 0, 0, 7001, "backoff", 3),
        // a pid that no longer runs, recorded as running: the supervisor died before it could say so
        new ClusterState.Entry("query-0", "stage", Long.MAX_VALUE - 1, 1, 7002, "running", 1)));
    state.write(dir);
    assertThat(Files.list(dir).map(p -> p.getFileName().toString())).containsExactly("cluster.json");
    ClusterState read = ClusterState.read(dir).orElseThrow();
    assertThat(read).isEqualTo(state);
    assertThat(read.supervisor()).contains(self);

    List<String> lines = ClusterCommand.Ps.format(read, true).lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0).split("\\s+")).containsExactly("NAME", "PID", "PORT", "STATE", "RESTARTS");
    assertThat(lines.get(1).split("\\s+")).containsExactly("kafka-0", Long.toString(self.pid()), "9092", "running",
        "0");
    assertThat(lines.get(2).split("\\s+")).containsExactly("embedder-1", "-", "7001", "backoff", "3");
    assertThat(lines.get(3).split("\\s+")).containsExactly("query-0", "-", "7002", "exited", "1");
  }

  @Test
  void noStateMeansNoCluster(@TempDir Path dir) throws Exception {
    assertThat(ClusterState.read(dir)).isEmpty();
  }
}
