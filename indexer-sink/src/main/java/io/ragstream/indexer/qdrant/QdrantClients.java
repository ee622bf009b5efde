package io.ragstream.indexer.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;

/** Creates the Qdrant client the stores share. */
public final class QdrantClients {
  private QdrantClients() {}

  /** A gRPC client for {@code settings}; close it when done (it owns the channel). */
  public static QdrantClient create(QdrantSettings settings) {
    QdrantGrpcClient.Builder grpc = QdrantGrpcClient.newBuilder(settings.host(), settings.port(), settings.tls())
        .withTimeout(settings.timeout());
    if (settings.apiKey() != null) {
      grpc.withApiKey(settings.apiKey());
    }
    return new QdrantClient(grpc.build());
  }
}
