package io.ragstream.query.status;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.DocumentProgress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the compacted status topic from the beginning, without a consumer group: every reader wants the whole
 * table, not a share of it. Not thread-safe; one thread polls it.
 */
final class StatusTopicReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Deserializer<DocumentProgress> progressValues;
  private final List<TopicPartition> partitions = new ArrayList<>();

  StatusTopicReader(KafkaSettings kafka, String clientId) {
    Map<String, Object> props = kafka.consumer("unused", clientId, 2000);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    this.consumer = new KafkaConsumer<>(props);
    this.progressValues = kafka.valueSerde(Topics.STATUS).deserializer();
    String topic = Topics.STATUS.name(kafka.topicPrefix());
    for (int p = 0; p < consumer.partitionsFor(topic, Duration.ofSeconds(30)).size(); p++) {
      partitions.add(new TopicPartition(topic, p));
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Polls once; {@code sink} gets each docId with its progress, or null for a tombstone. */
  void poll(Duration timeout, BiConsumer<String, DocumentProgress> sink) {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
      sink.accept(new String(record.key(), StandardCharsets.UTF_8),
          record.value() == null ? null : progressValues.deserialize(record.topic(), record.value()));
    }
  }

  /** Polls until every partition's position reached the end offset it had when this was called. */
  void readToEnd(Duration timeout, BiConsumer<String, DocumentProgress> sink) {
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("status topic not read to its end within " + timeout);
      }
      poll(Duration.ofMillis(200), sink);
    }
  }

  void wakeup() {
    consumer.wakeup();
  }

  @Override
  public void close() {
    consumer.close();
  }
}
