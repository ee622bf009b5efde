package io.ragstream.ingest.source;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * <p>The source topic may live on another cluster than ragstream's ({@code sourceKafka} vs the publisher's).
 */
public final class TopicSource implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopicSource.class);

  /**
   * @param topic the topic to index
   * @param groupId its consumer group: a second run with the same group resumes where the first stopped
   */
  public record Settings(String topic, String groupId, int maxPollRecords) {
    public Settings {
      if (topic == null || topic.isBlank()) {
        throw new IllegalArgumentException("--source-topic must name a topic");
      }
      if (groupId == null || groupId.isBlank()) {
        groupId = "ragstream-source-" + topic;
      }
      if (maxPollRecords < 1) {
        throw new IllegalArgumentException("maxPollRecords must be positive, was " + maxPollRecords);
      }
    }
  }

  private final Settings settings;
  private final RecordMapping mapping;
  private final DocumentPublisher publisher;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final CheckedProducer<byte[], byte[]> deadLetters;
  private final String dlqTopic;
  private final MeterRegistry metrics;
  private final Consumer<String> out;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param sourceKafka where the source topic is
   * @param kafka ragstream's cluster: its ingest and dead-letter topics
   * @param out one line per published document ({@code published ID} / {@code deleted ID} / {@code dead-lettered})
   */
  public TopicSource(Settings settings, RecordMapping mapping, KafkaSettings sourceKafka, KafkaSettings kafka,
      DocumentPublisher publisher, MeterRegistry metrics, Consumer<String> out) {
    this.settings = settings;
    this.mapping = mapping;
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
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(settings.topic()));
      while (!closed.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        if (!records.isEmpty()) {
          process(records);
          consumer.commitSync();
        }
      }
    } catch (WakeupException e) {
      if (!closed.get()) {
        throw e;
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
      deadLetters.close();
    }
  }

  private void process(ConsumerRecords<byte[], byte[]> records) {
    List<IngestRequest> requests = new ArrayList<>();
    List<ProducerRecord<byte[], byte[]>> bad = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      try {
        requests.add(mapping.map(record.key(), record.value()));
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
  }

  /** Stops the loop after the batch in flight (whose offsets are then not committed unless it finished). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      consumer.wakeup();
    }
  }
}
