package io.ragstream.servers;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One node of a local KRaft Kafka cluster, run as its own OS process ({@code java kafka.Kafka server.properties}
 * from the Kafka jars on this class path). Every node is a combined broker + controller, so N nodes are an
 * N-voter quorum: with 3, the cluster survives the loss of any one.
 *
 * <p>Replication follows the cluster size: with 3 or more nodes every topic created without its own setting (all
 * of ragstream's, and the offsets and transaction-state topics) has replication factor 3 and
 * {@code min.insync.replicas} 2, so an {@code acks=all} write survives one broker's death; with fewer, 1/1.
 *
 * @param nodeId this node's id, 0-based
 * @param clientPorts every node's client (PLAINTEXT) port, indexed by node id
 * @param controllerPorts every node's controller port, indexed by node id
 * @param logDir this node's log directory
 * @param maxMessageBytes the largest record batch the brokers accept
 */
public record KafkaBroker(int nodeId, List<Integer> clientPorts, List<Integer> controllerPorts, Path logDir,
    int maxMessageBytes) {
  public static final String MAIN_CLASS = "kafka.Kafka";

  public KafkaBroker {
    clientPorts = List.copyOf(clientPorts);
    controllerPorts = List.copyOf(controllerPorts);
    if (clientPorts.isEmpty() || clientPorts.size() != controllerPorts.size()) {
      throw new IllegalArgumentException("one client and one controller port per node, got " + clientPorts + " and "
          + controllerPorts);
    }
    if (nodeId < 0 || nodeId >= clientPorts.size()) {
      throw new IllegalArgumentException("node id " + nodeId + " outside 0.." + (clientPorts.size() - 1));
    }
    logDir = logDir.toAbsolutePath();
  }

  public int clientPort() {
    return clientPorts.get(nodeId);
  }

  /** The replication factor of every topic: 3 when the cluster has at least 3 nodes, else 1. */
  public short replicationFactor() {
    return (short) (clientPorts.size() >= 3 ? 3 : 1);
  }

  /** {@code min.insync.replicas}: 2 with replication 3, else 1. */
  public int minInsyncReplicas() {
    return replicationFactor() >= 3 ? 2 : 1;
  }

  /** {@code 127.0.0.1:p0,127.0.0.1:p1,...}: every node's client listener. */
  public String bootstrapServers() {
    return clientPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  /** The node's server.properties. */
  public Map<String, String> properties() {
    Map<String, String> props = new TreeMap<>();
    String voters = java.util.stream.IntStream.range(0, controllerPorts.size())
        .mapToObj(i -> i + "@127.0.0.1:" + controllerPorts.get(i)).collect(Collectors.joining(","));
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(nodeId));
    props.put("controller.quorum.voters", voters);
    props.put("listeners", "PLAINTEXT://127.0.0.1:" + clientPort() + ",CONTROLLER://127.0.0.1:"
        + controllerPorts.get(nodeId));
    props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort());
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    String rf = Short.toString(replicationFactor());
    String isr = Integer.toString(minInsyncReplicas());
    props.put("default.replication.factor", rf);
    props.put("min.insync.replicas", isr);
    props.put("offsets.topic.replication.factor", rf);
    props.put("offsets.topic.num.partitions", "6");
    props.put("transaction.state.log.replication.factor", rf);
    props.put("transaction.state.log.min.isr", isr);
    props.put("transaction.state.log.num.partitions", "6");
    props.put("share.coordinator.state.topic.replication.factor", rf);
    props.put("share.coordinator.state.topic.min.isr", isr);
    props.put("unclean.leader.election.enable", "false");
    props.put("group.initial.rebalance.delay.ms", "0");
    // Topics come from ragstream's registry with their declared settings; a typo'd name must fail, not create one.
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("message.max.bytes", Integer.toString(maxMessageBytes));
    props.put("replica.fetch.max.bytes", Integer.toString(maxMessageBytes));
    props.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
    // A killed broker's partitions move quickly; a restarted one rejoins within seconds on loopback.
    props.put("broker.session.timeout.ms", "9000");
    props.put("broker.heartbeat.interval.ms", "2000");
    return props;
  }

  /**
   * Writes {@code server.properties} into the log directory's parent and formats the log directory unless an earlier
   * run did (what {@code kafka-storage format -t CLUSTER_ID -c server.properties} does; every node of a cluster must
   * be formatted with the same {@code clusterId}). Returns the properties file.
   */
  public Path prepare(String clusterId) throws IOException {
    Files.createDirectories(logDir);
    Path file = logDir.resolveSibling("server.properties");
    Properties props = new Properties();
    props.putAll(properties());
    Path tmp = file.resolveSibling("server.properties.tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      props.store(out, "kafka-" + nodeId + " of a ragstream cluster (generated)");
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      try {
        new Formatter()
            .setClusterId(clusterId)
            .setNodeId(nodeId)
            .setControllerListenerName("CONTROLLER")
            .setMetadataLogDirectory(logDir.toString())
            .setDirectories(List.of(logDir.toString()))
            .setReleaseVersion(MetadataVersion.latestProduction())
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
            .run();
      } catch (Exception e) {
        throw new IOException("cannot format Kafka storage in " + logDir + ": " + e.getMessage(), e);
      }
    }
    return file;
  }

  /** The broker process: {@code java <jvm> kafka.Kafka <properties>}, from {@code java}'s class path. */
  public ProcessBuilder processBuilder(JavaCommand java, Path propertiesFile, List<String> jvmArgs) {
    return java.builder(jvmArgs, MAIN_CLASS, List.of(propertiesFile.toString()));
  }
}
