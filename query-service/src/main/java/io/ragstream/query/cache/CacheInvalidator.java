package io.ragstream.query.cache;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IndexEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the index-events topic to a {@link QueryCache} ({@link IndexEventInvalidation}); run it on its own thread.
 *
 * <p>An in-process cache needs every event in every instance, so the consumer is assigned all partitions and starts
 * at their end (an empty cache has nothing older to invalidate). The position is fixed in the constructor, before
 * the service answers its first query, so no event after that moment is missed. A shared cache (Redis) needs each
 * event handled once by any instance, including events published while all instances were down: a consumer group
 * with committed offsets.
 */
public final class CacheInvalidator implements Runnable, AutoCloseable {
  /** The shared cache's group, under the topic prefix like every other group, so {@code ragstream lag} lists it. */
  public static String sharedGroup(String topicPrefix) {
    return topicPrefix + "query-cache";
  }

  private static final Logger LOG = LoggerFactory.getLogger(CacheInvalidator.class);
  private final Deserializer<IndexEvent> eventValues;

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final IndexEventInvalidation invalidation;
  private final boolean shared;
  private final AtomicBoolean running = new AtomicBoolean(true);

  public CacheInvalidator(KafkaSettings kafka, QueryCache cache, String clientId) {
    Objects.requireNonNull(cache, "cache");
    this.invalidation = new IndexEventInvalidation(cache);
    this.shared = cache.shared();
    this.eventValues = kafka.valueSerde(Topics.INDEX_EVENTS).deserializer();
    String topic = Topics.INDEX_EVENTS.name(kafka.topicPrefix());
    Map<String, Object> props = kafka.consumer(shared ? sharedGroup(kafka.topicPrefix()) : clientId, clientId, 500);
    this.consumer = new KafkaConsumer<>(props);
    try {
      if (shared) {
        consumer.subscribe(List.of(topic));
      } else {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(30)));
      }
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  @Override
  public void run() {
    try {
      while (running.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          handle(record);
        }
        if (shared && !records.isEmpty()) {
          consumer.commitSync();
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    IndexEvent event;
    try {
      event = eventValues.deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      // not ours to dead-letter (the indexer wrote it); the entries it would have evicted expire with the TTL
      LOG.error("undecodable index event at {}-{}@{}; cached answers for its document live until their TTL",
          record.topic(), record.partition(), record.offset(), e);
      return;
    }
    invalidation.apply(event);
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
  }
}
