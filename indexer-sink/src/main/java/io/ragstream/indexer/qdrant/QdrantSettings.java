package io.ragstream.indexer.qdrant;

import io.qdrant.client.grpc.Collections.Distance;
import java.time.Duration;
import java.util.Objects;

/**
 * Where Qdrant is and how ragstream uses it.
 *
 * @param host gRPC host
 * @param port gRPC port (6334 by default; 6333 is Qdrant's REST port)
 * @param tls whether the channel uses TLS
 * @param apiKey API key, or null for an unsecured instance
 * @param alias the collection alias queries go to; each generation is the collection {@code <alias>_<generation>}
 * @param distance the similarity the collection is built for; Cosine matches the normalised embeddings
 * @param upsertBatchSize points per upsert request: gRPC messages stay well under the 4 MiB default limit
 * @param timeout deadline of every request
 */
public record QdrantSettings(String host, int port, boolean tls, String apiKey, String alias, Distance distance,
    int upsertBatchSize, Duration timeout) {

  public static final int DEFAULT_GRPC_PORT = 6334;
  public static final String DEFAULT_ALIAS = "ragstream_chunks";

  public QdrantSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(distance, "distance");
    Objects.requireNonNull(timeout, "timeout");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("qdrant port must be 1-65535, got " + port);
    }
    if (alias == null || !alias.matches("[a-zA-Z0-9_-]+")) {
      throw new IllegalArgumentException("qdrant alias must be letters, digits, '-' or '_', got " + alias);
    }
    if (upsertBatchSize < 1) {
      throw new IllegalArgumentException("upsert batch size must be positive, got " + upsertBatchSize);
    }
  }

  /** Local defaults: {@code localhost:6334}, no TLS, Cosine, batches of 256, 30 s deadline. */
  public static QdrantSettings local(String host, int port) {
    return new QdrantSettings(host, port, false, null, DEFAULT_ALIAS, Distance.Cosine, 256, Duration.ofSeconds(30));
  }

  /** The collection holding one generation. */
  public String collection(String generation) {
    return alias + "_" + generation;
  }

  /**
   * Never prints the API key: a record's generated {@code toString} would put it in every log line and error message
   * that mentions these settings.
   */
  @Override
  public String toString() {
    return "QdrantSettings[host=" + host + ", port=" + port + ", tls=" + tls + ", apiKey="
        + (apiKey == null ? "none" : "[hidden]") + ", alias=" + alias + ", distance=" + distance
        + ", upsertBatchSize=" + upsertBatchSize + ", timeout=" + timeout + "]";
  }
}
