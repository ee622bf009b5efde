package io.ragstream.launcher;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows the index-events topic of an embedded stack from its current end and notes when each document's first
 * event arrived (the indexer sends it once the document's chunks are in the writer the query side searches
 * near-real-time). Shared by the benches that time "published → searchable".
 */
final class IndexEventWatch implements AutoCloseable {
  private final Map<String, Long> seenAt = new ConcurrentHashMap<>();
  private final AtomicLong lastNanos = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  IndexEventWatch(EmbeddedStack stack, String clientId) {
    Map<String, Object> props = stack.kafkaSettings().consumer("unused", clientId, 500);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
    String topic = io.ragstream.schemas.Topics.INDEX_EVENTS.name(stack.kafkaSettings().topicPrefix());
    var partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition()))
        .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position); // resolve now: only events after this point count
    this.thread = Thread.ofPlatform().name(clientId).daemon().start(() -> {
      try (consumer) {
        while (running.get()) {
          consumer.poll(Duration.ofMillis(5)).forEach(r -> {
            long now = System.nanoTime();
            if (seenAt.putIfAbsent(new String(r.key(), StandardCharsets.UTF_8), now) == null) {
              lastNanos.set(now);
            }
          });
        }
      }
    });
  }

  /** Waits for the document's event; throws naming it after the deadline ({@link System#nanoTime()}). */
  void await(String docId, long deadline) throws InterruptedException {
    while (!seenAt.containsKey(docId)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no index event for " + docId + " in time");
      }
      Thread.sleep(1);
    }
  }

  /** Documents seen so far. */
  int count() {
    return seenAt.size();
  }

  /** When the last new document was seen ({@link System#nanoTime()}). */
  long lastSeenNanos() {
    return lastNanos.get();
  }

  /** When the document's first event arrived ({@link System#nanoTime()}), or -1. */
  long seenAt(String docId) {
    return seenAt.getOrDefault(docId, -1L);
  }

  boolean seen(String docId) {
    return seenAt.containsKey(docId);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join();
  }
}
