package io.ragstream.launcher.cluster;

import io.ragstream.servers.ElasticsearchNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cluster's Elasticsearch node ({@code elasticsearch-0}), run by {@link ElasticsearchNode} from the distribution
 * the build fetched into the local Maven repository, unpacked under the node's directory.
 */
final class ClusterElasticsearch {
  private final ElasticsearchNode node;

  private ClusterElasticsearch(ElasticsearchNode node) {
    this.node = node;
  }

  /**
   * Unpacks and configures the node (idempotent: a restart of the cluster keeps its data).
   *
   * @throws IllegalStateException saying why no node can run here (no distribution, root without the
   *     {@value ElasticsearchNode#USER} user)
   */
  static ClusterElasticsearch prepare(Path dir, int httpPort, int transportPort)
      throws IOException, InterruptedException {
    ElasticsearchNode node = ElasticsearchNode.builder(dir).nodeName("elasticsearch-0").httpPort(httpPort)
        .transportPort(transportPort).build();
    node.prepare();
    return new ClusterElasticsearch(node);
  }

  int httpPort() {
    return node.httpPort();
  }

  /** The node's process; the supervisor redirects its output to {@code logs/elasticsearch-0.log}. */
  ProcessBuilder processBuilder() {
    ProcessBuilder builder = node.processBuilder();
    // a CLASSPATH inherited from this JVM's starter (ours are started that way) puts ragstream's jars on the
    // node's class path, and Elasticsearch refuses to boot ("jar hell")
    builder.environment().remove("CLASSPATH");
    return builder;
  }

  /** Whether the node answers with cluster health yellow or better (a single node never reaches green with replicas). */
  boolean healthy() {
    try {
      ElasticsearchNode.awaitHealth(node.url(), ElasticsearchNode.Health.YELLOW, Duration.ofSeconds(1), null);
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String url() {
    return node.url().toString();
  }
}
