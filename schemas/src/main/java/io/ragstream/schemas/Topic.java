package io.ragstream.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One topic of the pipeline: its default name (without the configurable prefix), key serde, value type, cleanup
 * policy and default partition count. Stages refer to {@link Topics} constants, never to name strings.
 *
 * <p>The value serde depends on the process's {@link SerdeSettings} (single-object encoding or a schema registry),
 * so a topic hands it out for given settings ({@link #valueSerde(SerdeSettings)}) rather than holding one: the mode
 * is decided once, where the settings are built, and no stage tests it.
 *
 * @param valueType a generated Avro class, or {@code byte[].class} for topics that carry other topics' raw records
 *     (the dead-letter topics)
 */
public record Topic<K, V>(
    String suffix, Serde<K> keySerde, Class<V> valueType, CleanupPolicy cleanupPolicy, int partitions,
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

  public Topic {
    if (valueType != byte[].class && !SpecificRecord.class.isAssignableFrom(valueType)) {
      throw new IllegalArgumentException("topic " + suffix + ": values are Avro records or raw bytes, not "
          + valueType.getName());
    }
  }

  /** The topic's name under the given prefix, e.g. {@code ragstream.} + {@code chunks}. */
  public String name(String prefix) {
    return prefix + suffix;
  }

  /** Whether values are Avro records (and so have a schema, and a subject in registry mode). */
  public boolean avro() {
    return valueType != byte[].class;
  }

  /**
   * The registry subject of the topic's values under the given prefix: Confluent's TopicNameStrategy,
   * {@code <topic>-value}, e.g. {@code ragstream.chunks-value}.
   */
  public String valueSubject(String prefix) {
    if (!avro()) {
      throw new IllegalStateException("topic " + suffix + " carries raw bytes and has no value schema");
    }
    return name(prefix) + "-value";
  }

  /**
   * A new value serde under the given settings. Raw-byte topics pass bytes through in every mode. Callers keep the
   * serde (registry-mode serdes cache the schemas they resolved) and hand it the real topic name, which names the
   * subject in registry mode.
   */
  @SuppressWarnings("unchecked")
  public Serde<V> valueSerde(SerdeSettings settings) {
    if (!avro()) {
      return (Serde<V>) Serdes.ByteArray();
    }
    return (Serde<V>) settings.valueSerde(valueType.asSubclass(SpecificRecord.class));
  }
}
