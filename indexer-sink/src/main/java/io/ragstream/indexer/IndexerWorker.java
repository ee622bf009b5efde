package io.ragstream.indexer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.IndexEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeddings → store. Offsets are committed only after the store made the batch durable; the writes are idempotent
 * upserts and deletes by chunk id, so a crash between the two replays the batch harmlessly. A store failure pauses
 * consumption and retries with back-off: nothing is dropped. After the commit, one index event per document.
 */
public final class IndexerWorker implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IndexerWorker.class);
  private final ChunkStore store;
  private final Deserializer<EmbeddedChunk> embeddingValues;
  private final Serializer<IndexEvent> eventValues;
  private final String topicPrefix;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final CheckedProducer<byte[], byte[]> producer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Timer writeLatency;
  private final Timer timeToSearchable;
  private final Counter upserts;
  private final Counter deletes;
  private final Counter deadLetters;
  private final Counter storeFailures;

  public IndexerWorker(KafkaSettings kafka, String instanceId, ChunkStore store, int maxPollRecords,
      MeterRegistry metrics) {
    this.store = store;
    this.topicPrefix = kafka.topicPrefix();
    this.embeddingValues = kafka.valueSerde(Topics.EMBEDDINGS).deserializer();
    this.eventValues = kafka.valueSerde(Topics.INDEX_EVENTS).serializer();
    String group = kafka.topicPrefix() + "indexer-" + store.name() + "-" + store.generation();
    this.consumer = new KafkaConsumer<>(kafka.consumer(group, group + "-" + instanceId, maxPollRecords));
    this.producer = new CheckedProducer<>(new KafkaProducer<>(kafka.producer(group + "-" + instanceId)),
        Duration.ofSeconds(60));
    this.writeLatency = Timer.builder("ragstream.indexer.store.write.latency").tag("store", store.name())
        .publishPercentileHistogram().register(metrics);
    this.timeToSearchable = Timer.builder("ragstream.time.to.searchable").tag("store", store.name())
        .publishPercentileHistogram().register(metrics);
    this.upserts = metrics.counter("ragstream.indexer.chunks", "store", store.name(), "op", "upsert");
    this.deletes = metrics.counter("ragstream.indexer.chunks", "store", store.name(), "op", "delete");
    this.deadLetters = metrics.counter("ragstream.stage.records.dlq", "stage", "indexer");
    this.storeFailures = metrics.counter("ragstream.indexer.store.failures", "store", store.name());
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(Topics.EMBEDDINGS.name(topicPrefix)));
      while (running.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        if (!records.isEmpty()) {
          index(records);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("indexer stopped on a fatal error", e);
      throw e;
    } finally {
      try {
        consumer.close();
        producer.close();
      } finally {
        stopped.countDown();
      }
    }
  }

  private void index(ConsumerRecords<byte[], byte[]> records) {
    List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
    records.forEach(batch::add);
    IndexPlan plan = IndexPlan.of(batch, topicPrefix, embeddingValues);
    List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>(plan.deadLetters());
    if (!plan.batch().isEmpty()) {
      RejectedChunksException rejected = writeWithRetry(plan);
      if (rejected != null) {
        letters.addAll(rejectedLetters(batch, rejected));
      }
    }
    if (!letters.isEmpty()) {
      producer.sendAll(letters); // before the commit: a dead letter is never lost
      deadLetters.increment(letters.size());
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      // The position (past trailing transaction markers), not last offset + 1: a caught-up indexer shows zero lag.
      offsets.put(partition, new OffsetAndMetadata(consumer.position(partition)));
    }
    try {
      consumer.commitSync(offsets);
    } catch (CommitFailedException e) {
      // The partitions moved to another worker during a long retry; it re-reads them, and the writes are idempotent.
      LOG.warn("offset commit failed after a rebalance; the new owner replays the batch: {}", e.getMessage());
      return;
    }
    Instant now = Instant.now();
    List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
    for (IndexEvent event : plan.events(store.name(), store.generation(), now)) {
      String topic = Topics.INDEX_EVENTS.name(topicPrefix);
      events.add(new ProducerRecord<>(topic, event.getDocId().getBytes(StandardCharsets.UTF_8),
          eventValues.serialize(topic, event)));
      if (event.getIngestedAt() != null && event.getChunksUpserted() > 0) {
        timeToSearchable.record(Duration.between(event.getIngestedAt(), now));
      }
    }
    producer.sendAll(events);
  }

  /**
   * The dead letters of chunks the store refused for good: the last record of each refused chunk id in the batch
   * (the one whose write was refused), with the store's reason.
   */
  private List<ProducerRecord<byte[], byte[]>> rejectedLetters(List<ConsumerRecord<byte[], byte[]>> batch,
      RejectedChunksException rejected) {
    Map<String, ConsumerRecord<byte[], byte[]>> last = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      if (record.key() != null) {
        last.put(new String(record.key(), StandardCharsets.UTF_8), record);
      }
    }
    List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
    String dlq = Topics.DLQ_INDEXER.name(topicPrefix);
    rejected.reasons().forEach((chunkId, reason) -> {
      ConsumerRecord<byte[], byte[]> record = last.get(chunkId);
      if (record == null) {
        LOG.error("store {} rejected chunk {} that is not in the batch: {}", store.name(), chunkId, reason);
      } else {
        letters.add(DeadLetters.of(dlq, "indexer", "store-rejected", record,
            new IllegalArgumentException(store.name() + " rejected chunk " + chunkId + ": " + reason)));
      }
    });
    return letters;
  }

  /**
   * Retries the write until the store takes it, pausing consumption meanwhile so nothing piles up unbounded.
   * Returns the store's rejection of single chunks (the rest is written), or null when it took everything.
   */
  private RejectedChunksException writeWithRetry(IndexPlan plan) {
    Duration backoff = Duration.ofMillis(200);
    while (true) {
      try {
        writeLatency.record(() -> {
          try {
            store.write(plan.batch());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        upserts.increment(plan.batch().upserts().size());
        deletes.increment(plan.batch().deletes().size());
        consumer.resume(consumer.paused());
        return null;
      } catch (java.io.UncheckedIOException e) {
        if (e.getCause() instanceof RejectedChunksException rejected) {
          // Not retriable: the same chunks would be refused forever. The rest of the batch is durable.
          upserts.increment(plan.batch().upserts().size() - rejected.reasons().size());
          deletes.increment(plan.batch().deletes().size());
          consumer.resume(consumer.paused());
          return rejected;
        }
        backoff = retryAfter(plan, e, backoff);
      } catch (RuntimeException e) {
        backoff = retryAfter(plan, e, backoff);
      }
    }
  }

  /** Logs the failure, waits out the back-off with consumption paused, and returns the next back-off. */
  private Duration retryAfter(IndexPlan plan, RuntimeException e, Duration backoff) {
    if (!running.get()) {
      throw new WakeupException();
    }
    storeFailures.increment();
    LOG.warn("store {} write failed ({} upserts, {} deletes), retrying in {} ms: {}", store.name(),
        plan.batch().upserts().size(), plan.batch().deletes().size(), backoff.toMillis(), e.toString());
    consumer.pause(consumer.assignment());
    long until = System.nanoTime() + backoff.toNanos();
    while (System.nanoTime() < until && running.get()) {
      // Polling while paused keeps the group membership. A partition assigned by a rebalance meanwhile is not
      // paused and may return records: rewind them so they are read again after the retry, never skipped.
      ConsumerRecords<byte[], byte[]> stray = consumer.poll(Duration.ofMillis(100));
      for (TopicPartition partition : stray.partitions()) {
        consumer.seek(partition, stray.records(partition).getFirst().offset());
      }
      consumer.pause(consumer.assignment());
    }
    return backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30)
        : backoff.multipliedBy(2);
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
