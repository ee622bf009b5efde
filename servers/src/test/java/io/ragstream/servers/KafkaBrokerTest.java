package io.ragstream.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {
  private final List<Integer> clients = List.of(9101, 9102, 9103);
  private final List<Integer> controllers = List.of(9201, 9202, 9203);

  @Test
  void threeNodesAreAThreeVoterQuorumWithReplicationThreeAndMinIsrTwoForEveryTopic() {
    KafkaBroker broker = new KafkaBroker(1, clients, controllers, Path.of("/d/kafka-1/data"), 17_000_000);
    Map<String, String> props = broker.properties();
    assertThat(props).containsEntry("node.id", "1")
        .containsEntry("process.roles", "broker,controller")
        .containsEntry("controller.quorum.voters", "0@127.0.0.1:9201,1@127.0.0.1:9202,2@127.0.0.1:9203")
        .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9102,CONTROLLER://127.0.0.1:9202")
        .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9102")
        .containsEntry("default.replication.factor", "3")
        .containsEntry("min.insync.replicas", "2")
        .containsEntry("offsets.topic.replication.factor", "3")
        .containsEntry("transaction.state.log.replication.factor", "3")
        .containsEntry("transaction.state.log.min.isr", "2")
        .containsEntry("auto.create.topics.enable", "false")
        .containsEntry("message.max.bytes", "17000000");
    assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103");
    assertThat(broker.clientPort()).isEqualTo(9102);
  }

  @Test
  void oneNodeUsesReplicationOneAndMinIsrOne() {
    KafkaBroker broker = new KafkaBroker(0, List.of(9101), List.of(9201), Path.of("/d/kafka-0/data"), 1_000_000);
    assertThat(broker.replicationFactor()).isEqualTo((short) 1);
    assertThat(broker.properties()).containsEntry("default.replication.factor", "1")
        .containsEntry("min.insync.replicas", "1").containsEntry("transaction.state.log.min.isr", "1")
        .containsEntry("controller.quorum.voters", "0@127.0.0.1:9201");
  }

  @Test
  void rejectsANodeIdOutsideTheClusterAndMismatchedPortLists() {
    assertThatThrownBy(() -> new KafkaBroker(3, clients, controllers, Path.of("/d"), 1))
        .hasMessageContaining("node id 3 outside 0..2");
    assertThatThrownBy(() -> new KafkaBroker(0, clients, List.of(1), Path.of("/d"), 1))
        .hasMessageContaining("one client and one controller port per node");
  }
}
