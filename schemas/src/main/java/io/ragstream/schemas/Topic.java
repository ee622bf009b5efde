package io.ragstream.schemas;

import org.apache.kafka.common.serialization.Serde;

/**
 * One topic of the pipeline: its default name (without the configurable prefix), key and value serdes, cleanup
 * policy and default partition count. Stages refer to {@link Topics} constants, never to name strings.
 */
public record Topic<K, V>(
    String suffix, Serde<K> keySerde, Serde<V> valueSerde, CleanupPolicy cleanupPolicy, int partitions,
    String description) {

  public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact");

    private final String config;

    CleanupPolicy(String config) {
      this.config = config;
    }

    /** The value of Kafka's {@code cleanup.policy} topic config. */
    public String config() {
      return config;
    }
  }

  /** The topic's name under the given prefix, e.g. {@code ragstream.} + {@code chunks}. */
  public String name(String prefix) {
    return prefix + suffix;
  }
}
