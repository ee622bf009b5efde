package io.ragstream.runtime.kafka;

import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topic;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;

/**
 * How every stage reaches Kafka: the bootstrap servers, the topic prefix, extra client properties (security:
 * {@code security.protocol}, {@code sasl.*}, {@code ssl.*}) passed through unchanged to every client, and how record
 * values are encoded ({@link SerdeSettings}: single-object encoding by default, a schema registry when configured).
 * Stages take their value serdes from {@link #valueSerde(Topic)}, so the encoding follows these settings everywhere.
 */
public record KafkaSettings(String bootstrap, String topicPrefix, Map<String, String> clientOverrides,
    SerdeSettings serdes) {
  /** Largest record a source publishes inline (documents above it travel by reference). */
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  /**
   * How long a stage worker's consumer waits on close for its requests to the group coordinator, instead of the
   * client's 30 s default. A member closed while its JoinGroup is held by a rebalance in progress (one that waits
   * for a crashed member's session to expire, say) gets no answer before that rebalance ends: the broker handles one
   * request per connection at a time, so the LeaveGroup sent on close queues behind the JoinGroup. Waiting for it
   * only delays the stop (and a restart, or a pod's termination grace period); the LeaveGroup is sent by then and
   * the coordinator still handles it when the join completes. A normal leave is answered within milliseconds.
   */
  public static final java.time.Duration CONSUMER_CLOSE_TIMEOUT = java.time.Duration.ofSeconds(5);

  /** Closes a stage worker's consumer, leaving its group, within {@link #CONSUMER_CLOSE_TIMEOUT}. */
  public static void closeMember(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
  }

  public KafkaSettings {
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers are required (host:port[,host:port])");
    }
    if (topicPrefix == null) {
      throw new IllegalArgumentException("topic prefix must not be null (use \"\" for none)");
    }
    clientOverrides = Map.copyOf(clientOverrides);
    if (serdes == null) {
      throw new IllegalArgumentException("serde settings must not be null (SerdeSettings.SINGLE_OBJECT by default)");
    }
  }

  /** Single-object encoding, no registry. */
  public KafkaSettings(String bootstrap, String topicPrefix, Map<String, String> clientOverrides) {
    this(bootstrap, topicPrefix, clientOverrides, SerdeSettings.SINGLE_OBJECT);
  }

  /** Single-object encoding, no registry, no client overrides. */
  public KafkaSettings(String bootstrap, String topicPrefix) {
    this(bootstrap, topicPrefix, Map.of());
  }

  /** The same settings with the given value encoding. */
  public KafkaSettings withSerdes(SerdeSettings serdes) {
    return new KafkaSettings(bootstrap, topicPrefix, clientOverrides, serdes);
  }

  /** The same settings with other client overrides (the value encoding is kept). */
  public KafkaSettings withClientOverrides(Map<String, String> overrides) {
    return new KafkaSettings(bootstrap, topicPrefix, overrides, serdes);
  }

  /** A new value serde of the topic under these settings' encoding. */
  public <V> Serde<V> valueSerde(Topic<?, V> topic) {
    return topic.valueSerde(serdes);
  }

  private Map<String, Object> common() {
    Map<String, Object> props = new HashMap<>();
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.putAll(clientOverrides);
    return props;
  }

  /** An idempotent producer (acks=all) for byte-array records; serdes are applied by the caller. */
  public Map<String, Object> producer(String clientId) {
    Map<String, Object> props = common();
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES + 1024 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    props.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, ChunkKeyPartitioner.class);
    return props;
  }

  /** A transactional producer for consume-process-produce stages. */
  public Map<String, Object> transactionalProducer(String transactionalId) {
    Map<String, Object> props = producer(transactionalId);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    return props;
  }

  /** A consumer that commits offsets explicitly and reads only committed transactional output. */
  public Map<String, Object> consumer(String groupId, String clientId, int maxPollRecords) {
    Map<String, Object> props = common();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return props;
  }

  /**
   * Never prints credentials: security overrides such as {@code sasl.jaas.config} or {@code ssl.keystore.password}
   * end up in logs whenever settings are logged, so their values are masked.
   */
  @Override
  public String toString() {
    Map<String, String> shown = new java.util.TreeMap<>();
    clientOverrides.forEach((key, value) -> shown.put(key, isSecret(key) ? "[hidden]" : value));
    return "KafkaSettings[bootstrap=" + bootstrap + ", topicPrefix=" + topicPrefix + ", clientOverrides=" + shown
        + ", serdes=" + serdes + "]";
  }

  /** Whether a client property's value is a credential, hidden wherever settings are shown. */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.endsWith(".key")
        || k.contains("token") || k.contains("credentials");
  }

  /** Properties for admin clients and Kafka Streams. */
  public Map<String, Object> admin() {
    return common();
  }
}
