package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import java.nio.file.Path;

/**
 * Settings of the embedded stack, validated before anything starts.
 *
 * @param dataDir all state: the Kafka log, Kafka Streams state, the Lucene index
 * @param kafkaPort the embedded broker's client port (0: any free port)
 * @param httpPort the query service's port (0: any free port)
 * @param ingestPort the ingest HTTP port (0: any free port)
 * @param modelId the embedding model, one of {@link EmbeddingModels#known()}
 * @param maxUploadBytes the largest HTTP upload accepted (413 above it)
 * @param generation the index generation written and served
 * @param serdes how record values are encoded: single-object encoding (the default, nothing to run beside the
 *     stack) or a schema registry ({@code --schema-registry-url} / {@code RAGSTREAM_SCHEMA_REGISTRY_URL})
 */
public record StackConfig(Path dataDir, int kafkaPort, int httpPort, int ingestPort, String modelId,
    long maxUploadBytes, String topicPrefix, String generation, SerdeSettings serdes) {

  public static final long DEFAULT_MAX_UPLOAD_BYTES = 8L * 1024 * 1024;

  public StackConfig {
    if (dataDir == null) {
      throw new IllegalArgumentException("data dir is required");
    }
    port("kafka port", kafkaPort);
    port("http port", httpPort);
    port("ingest port", ingestPort);
    EmbeddingModels.spec(modelId); // throws, naming the known models, for an unknown id
    if (maxUploadBytes < 1 || maxUploadBytes > 16L * 1024 * 1024) {
      throw new IllegalArgumentException("max upload must be between 1 byte and 16 MiB, got " + maxUploadBytes);
    }
    if (generation == null || !generation.matches("[a-zA-Z0-9_-]+")) {
      throw new IllegalArgumentException("generation must be letters, digits, '-' or '_', got " + generation);
    }
    if (serdes == null) {
      throw new IllegalArgumentException("serde settings are required (SerdeSettings.SINGLE_OBJECT by default)");
    }
  }

  /** Single-object encoding: the embedded stack needs no schema registry. */
  public StackConfig(Path dataDir, int kafkaPort, int httpPort, int ingestPort, String modelId,
      long maxUploadBytes, String topicPrefix, String generation) {
    this(dataDir, kafkaPort, httpPort, ingestPort, modelId, maxUploadBytes, topicPrefix, generation,
        SerdeSettings.SINGLE_OBJECT);
  }

  /** The same config with another value encoding. */
  public StackConfig withSerdes(SerdeSettings serdes) {
    return new StackConfig(dataDir, kafkaPort, httpPort, ingestPort, modelId, maxUploadBytes, topicPrefix, generation,
        serdes);
  }

  public static StackConfig defaults(Path dataDir) {
    return new StackConfig(dataDir, 9092, 8080, 8081, EmbeddingModels.DEFAULT_ID,
        DEFAULT_MAX_UPLOAD_BYTES, Topics.DEFAULT_PREFIX, "g1");
  }

  /** Ephemeral ports everywhere: for tests and for several stacks on one machine. */
  public StackConfig withEphemeralPorts() {
    return new StackConfig(dataDir, 0, 0, 0, modelId, maxUploadBytes, topicPrefix, generation, serdes);
  }

  private static void port(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be between 0 and 65535, got " + port);
    }
  }
}
