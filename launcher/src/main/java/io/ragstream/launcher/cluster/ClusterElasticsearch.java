package io.ragstream.launcher.cluster;

/**
 * The cluster's Elasticsearch node: {@code io.ragstream.servers.ElasticsearchNode} (branch {@code elastic}) once it
 * lands; until then {@code --store elasticsearch} is refused with that reason.
 */
final class ClusterElasticsearch {
  private ClusterElasticsearch() {}

  static ClusterElasticsearch prepare(java.nio.file.Path dir, int httpPort, int transportPort) {
    throw new IllegalStateException("Elasticsearch is not available in this build yet: use --store lucene");
  }

  int httpPort() {
    throw new UnsupportedOperationException();
  }

  ProcessBuilder processBuilder() {
    throw new UnsupportedOperationException();
  }

  boolean healthy() {
    return false;
  }

  String url() {
    throw new UnsupportedOperationException();
  }
}
