package io.ragstream.ingest.source;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes an existing topic: consumes it with its own consumer group, turns each record into an IngestRequest with
 * a {@link RecordMapping}, and publishes them. Offsets are committed only after every request and dead letter of a
 * batch is acknowledged, so a crash re-reads (and idempotently re-publishes) a batch, never skips one. A record that
 * cannot be mapped goes to the extract dead-letter topic with the mapping error and is not retried.
 *
 * <p>Avro records ({@code --format avro}) are decoded through a schema registry ({@link RegistryAvroDecoder}) first;
 * a record the registry cannot decode is dead-lettered like any other, but a registry that does not answer fails no
 * record: the batch is read again after a pause (1 s doubling to 30 s), and after {@link Settings#registryPatience()}
 * of outage the source stops with an error ({@link #failure()}), its offsets at the last acknowledged batch.
 *
 * <p>The source topic may live on another cluster than ragstream's ({@code sourceKafka} vs the publisher's).
 *
 * <p>Its lag is reported two ways: its consumer group is named {@code <prefix>source-<topic>} by default, so
 * {@code ragstream lag} (which lists the groups starting with the topic prefix) and {@code ragstream_consumer_lag}
 * show it beside the stages; and {@code ragstream_source_lag_records{source="topic",topic}} is what the consumer
 * itself last saw (end offset minus position, summed over its partitions), which needs no Admin client.
 */
public final class TopicSource implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSource.class);
  private static final Duration MAX_REGISTRY_BACKOFF = Duration.ofSeconds(30);

  /**
   * @param topic the topic to index
   * @param groupId its consumer group: a second run with the same group resumes where the first stopped (default:
   *     {@link #defaultGroup} with the default topic prefix)
   */
  public record Settings(String topic, String groupId, int maxPollRecords, Duration registryPatience) {
    /** How long an unreachable schema registry is retried (avro records) before the source stops with an error. */
    public static final Duration DEFAULT_REGISTRY_PATIENCE = Duration.ofMinutes(5);

    public Settings(String topic, String groupId, int maxPollRecords) {
      this(topic, groupId, maxPollRecords, DEFAULT_REGISTRY_PATIENCE);
    }

    public Settings {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("--source-topic must name a topic");
      }
      if (groupId == null || groupId.isBlank()) {
        groupId = defaultGroup(Topics.DEFAULT_PREFIX, topic);
      }
      if (maxPollRecords < 1) {
        throw new IllegalArgumentException("maxPollRecords must be positive, was " + maxPollRecords);
      }
      if (registryPatience == null || registryPatience.isNegative()) {
        throw new IllegalArgumentException("registryPatience must be zero or more, was " + registryPatience);
      }
    }

    /**
     * {@code <prefix>source-<topic>}: under the topic prefix, as the stages' groups are, so that {@code ragstream
     * lag} and the lag gauges list it with them.
     */
    public static String defaultGroup(String topicPrefix, String topic) {
      return topicPrefix + "source-" + topic;
    }
  }

  private final Settings settings;
  private final RecordMapping mapping;
  /** Decodes avro records through the registry; null for json and string. */
  private final RegistryAvroDecoder avro;
  private final DocumentPublisher publisher;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final CheckedProducer<byte[], byte[]> deadLetters;
  private final String dlqTopic;
  private final MeterRegistry metrics;
  private final Consumer<String> out;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Counted down by {@link #close()}: cuts a wait for the registry short. */
  private final CountDownLatch stopping = new CountDownLatch(1);
  /** When the registry stopped answering (nanoTime), or -1 while it answers; the poll loop's thread only. */
  private long registryDownSince = -1;
  private Duration registryBackoff = Duration.ZERO;
  private volatile RuntimeException failure;
  /** Records on the assigned partitions not yet consumed, as of the last poll; -1 until a poll has seen one. */
  private final AtomicLong lag = new AtomicLong(-1);
  private final Gauge lagGauge;

  /**
   * @param sourceKafka where the source topic is
   * @param kafka ragstream's cluster: its ingest and dead-letter topics
   * @param out one line per published document ({@code published ID} / {@code deleted ID} / {@code dead-lettered})
   */
  public TopicSource(Settings settings, RecordMapping mapping, KafkaSettings sourceKafka, KafkaSettings kafka,
      DocumentPublisher publisher, MeterRegistry metrics, Consumer<String> out) {
    this(settings, mapping, null, sourceKafka, kafka, publisher, metrics, out);
  }

  /**
   * @param avro the registry decoder of an {@code avro} mapping (required for it, refused for the others); the
   *     source closes it
   */
  public TopicSource(Settings settings, RecordMapping mapping, RegistryAvroDecoder avro, KafkaSettings sourceKafka,
      KafkaSettings kafka, DocumentPublisher publisher, MeterRegistry metrics, Consumer<String> out) {
    if ((mapping.format() == RecordMapping.Format.AVRO) != (avro != null)) {
      throw new IllegalArgumentException(avro == null ? "--format avro needs a schema registry to decode records"
          : "a schema registry decodes --format avro records only, not " + mapping.format());
    }
    this.settings = settings;
    this.mapping = mapping;
    this.avro = avro;
    this.publisher = publisher;
    this.metrics = metrics;
    this.out = out;
    Map<String, Object> config = new java.util.HashMap<>(sourceKafka.consumer(settings.groupId(),
        settings.groupId() + "-consumer", settings.maxPollRecords()));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.deadLetters = new CheckedProducer<>(new KafkaProducer<>(kafka.producer(settings.groupId() + "-dlq")),
        Duration.ofSeconds(60));
    this.dlqTopic = Topics.DLQ_EXTRACT.name(kafka.topicPrefix());
    this.lagGauge = Gauge.builder("ragstream.source.lag.records", lag, AtomicLong::get)
        .description("records of the source topic its consumer has yet to read (-1: not known yet)")
        .tags("source", publisher.source(), "topic", settings.topic()).register(metrics);
  }

  /** Records on the assigned partitions not yet consumed as of the last poll; -1 before the first one. */
  public long lag() {
    return lag.get();
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(settings.topic()));
      while (!closed.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        if (!records.isEmpty() && process(records)) {
          consumer.commitSync();
        }
        updateLag();
      }
    } catch (WakeupException e) {
      if (!closed.get()) {
        failure = e;
        throw e;
      }
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    } finally {
      metrics.remove(lagGauge);
      KafkaSettings.closeMember(consumer);
      deadLetters.close();
      if (avro != null) {
        avro.close();
      }
    }
  }

  /** Why {@link #run()} stopped other than by {@link #close()} (e.g. the registry unreachable too long), or null. */
  public RuntimeException failure() {
    return failure;
  }

  /**
   * The consumer's own view (no request to the broker): end offset minus position of each assigned partition it has
   * fetched from. The poll loop's thread reads it, as the consumer is not thread-safe; the gauge reads the number.
   */
  private void updateLag() {
    long total = 0;
    boolean known = false;
    for (TopicPartition partition : consumer.assignment()) {
      OptionalLong partitionLag = consumer.currentLag(partition);
      if (partitionLag.isPresent()) {
        total += partitionLag.getAsLong();
        known = true;
      }
    }
    if (known) {
      lag.set(total);
    }
  }

  /** Maps, publishes and dead-letters a batch; false where it must be read again (the registry did not answer). */
  private boolean process(ConsumerRecords<byte[], byte[]> records) {
    List<IngestRequest> requests = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> bad = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        requests.add(avro == null ? mapping.map(record.key(), record.value())
            : mapping.mapDecoded(avro.key(record.topic(), record.headers(), record.key()),
                avro.value(record.topic(), record.headers(), record.value())));
      } catch (RegistryAvroDecoder.RegistryUnavailableException e) {
        // Nothing of the batch is sent yet: read it again after a pause, so good records are not dead-lettered
        // for the registry's outage.
        awaitRegistry(records, e);
        return false;
      } catch (RecordMapping.MappingException e) {
        LOG.warn("{}-{}@{} cannot become a document ({}): {}", record.topic(), record.partition(), record.offset(),
            e.reason(), e.getMessage());
        bad.add(DeadLetters.of(dlqTopic, "source", e.reason(), record, e));
      }
    }
    // last write wins per document within a batch, as it would across batches; keeps order per document
    publisher.send(requests);
    if (!bad.isEmpty()) {
      deadLetters.sendAll(bad);
      metrics.counter("ragstream.source.failures", "source", publisher.source()).increment(bad.size());
      metrics.counter("ragstream.stage.records.dlq", "stage", "source").increment(bad.size());
    }
    for (IngestRequest request : requests) {
      out.accept((request.getOperation() == io.ragstream.schemas.avro.Operation.DELETE ? "deleted " : "published ")
          + request.getDocId());
    }
    for (ProducerRecord<byte[], byte[]> record : bad) {
      out.accept("dead-lettered " + settings.topic() + " record: "
          + DeadLetters.header(record.headers(), io.ragstream.schemas.ErrorHeaders.EXCEPTION_MESSAGE));
    }
    if (registryDownSince >= 0) {
      LOG.info("schema registry {} answers again", avro.registryUrl());
      registryDownSince = -1;
      registryBackoff = Duration.ZERO;
    }
    return true;
  }

  /**
   * The registry did not answer: rewinds the batch's partitions to its first records and waits (1 s, doubling to
   * 30 s), or gives up with {@link RegistryAvroDecoder.RegistryUnavailableException} once the registry has been
   * unreachable for longer than the settings' patience.
   */
  private void awaitRegistry(ConsumerRecords<byte[], byte[]> records, RuntimeException outage) {
    for (TopicPartition partition : records.partitions()) {
      consumer.seek(partition, records.records(partition).getFirst().offset());
    }
    long now = System.nanoTime();
    if (registryDownSince < 0) {
      registryDownSince = now;
    }
    Duration down = Duration.ofNanos(now - registryDownSince);
    if (down.compareTo(settings.registryPatience()) >= 0) {
      throw new RegistryAvroDecoder.RegistryUnavailableException("schema registry " + avro.registryUrl()
          + " unreachable for " + down.toSeconds() + " s; stopping without committing " + settings.topic()
          + " past the last acknowledged batch", outage);
    }
    registryBackoff = registryBackoff.isZero() ? Duration.ofSeconds(1)
        : registryBackoff.multipliedBy(2).compareTo(MAX_REGISTRY_BACKOFF) > 0 ? MAX_REGISTRY_BACKOFF
        : registryBackoff.multipliedBy(2);
    LOG.warn("schema registry {} did not answer ({}); reading {} again in {} s (giving up after {} s)",
        avro.registryUrl(), outage.getMessage(), settings.topic(), registryBackoff.toSeconds(),
        settings.registryPatience().toSeconds());
    metrics.counter("ragstream.source.registry.retries", "source", publisher.source()).increment();
    try {
      stopping.await(registryBackoff.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WakeupException();
    }
  }

  /** Stops the loop after the batch in flight (whose offsets are then not committed unless it finished). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stopping.countDown();
      consumer.wakeup();
    }
  }
}
