package io.ragstream.indexer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.IndexEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Each generation has its own consumer group, {@link #group}. Between batches the worker asks its {@link
 * IndexTarget} which generation to write (at most every {@link #FOLLOW_INTERVAL}); after a swap it leaves the old
 * generation's group (every batch written there is committed there), and continues in the new generation's group
 * from that group's committed offsets. A replay commits those offsets for the new generation before it swaps (the
 * embeddings not yet reflected in what it built), so no record written after the replay's snapshot is lost, and a
 * record the worker had already written to the old generation is written again to the new one, idempotently.
 * Without committed offsets (a generation never handed over) the new group starts at the beginning of the
 * compacted embeddings topic, which rebuilds the generation's current state.
 *
 * <p>When the target generation holds vectors of another model than a record's, the record's chunk text is
 * re-embedded with the generation's model through the {@link Reembedder}: a generation never mixes two models.
 */
public final class IndexerWorker implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IndexerWorker.class);
  /** How often the worker asks its target which generation to write. */
  public static final Duration FOLLOW_INTERVAL = Duration.ofMillis(500);
  /**
   * Records of the embeddings partitions assigned to this worker that it has yet to index, tagged {@code store}: what
   * its consumer knows after each poll (log end minus position), so only live workers report it and summing it over
   * the replicas gives the lag of the generation being written, whatever its consumer group is called. Scaling
   * triggers use it (deploy/k8s/scaling.yaml): a trigger on a group name would be wrong after the next swap.
   */
  public static final String LAG_METER = "ragstream.indexer.lag";

  private final IndexTarget target;
  private final KafkaSettings kafka;
  private final Deserializer<EmbeddedChunk> embeddingValues;
  private final Serializer<IndexEvent> eventValues;
  private final String instanceId;
  private final int maxPollRecords;
  private final String storeName;
  private final Reembedder reembedder;
  private final String topicPrefix;
  private volatile KafkaConsumer<byte[], byte[]> consumer; // one per generation written
  // the generation written now: replaced by the worker thread only, read by others through generation()
  private volatile ChunkStore store;
  private final CheckedProducer<byte[], byte[]> producer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Timer writeLatency;
  private final Timer timeToSearchable;
  private final Counter upserts;
  private final Counter deletes;
  private final Counter deadLetters;
  private final Counter storeFailures;
  private final Counter reembedded;
  private final AtomicLong lag = new AtomicLong();
  private final MeterRegistry metrics;
  private final Gauge lagGauge;

  /** A worker writing one store, which the caller owns and closes; it never changes generation. */
  public IndexerWorker(KafkaSettings kafka, String instanceId, ChunkStore store, int maxPollRecords,
      MeterRegistry metrics) {
    this(kafka, instanceId, store.name(), IndexTarget.fixed(store), null, maxPollRecords, metrics);
  }

  /**
   * A worker that writes whichever generation {@code target} names and follows it when it changes.
   *
   * @param storeName the store's short name ({@code lucene}), part of the consumer group
   * @param reembedder embeds chunks for a generation of another model than the embedder stage's; null: such a
   *     write fails and is retried (and logged) until the stage is reconfigured, never dropped
   */
  public IndexerWorker(KafkaSettings kafka, String instanceId, String storeName, IndexTarget target,
      Reembedder reembedder, int maxPollRecords, MeterRegistry metrics) {
    this.kafka = kafka;
    this.embeddingValues = kafka.valueSerde(Topics.EMBEDDINGS).deserializer();
    this.eventValues = kafka.valueSerde(Topics.INDEX_EVENTS).serializer();
    this.instanceId = instanceId;
    this.storeName = storeName;
    this.target = target;
    this.reembedder = reembedder;
    this.maxPollRecords = maxPollRecords;
    this.topicPrefix = kafka.topicPrefix();
    String producerId = kafka.topicPrefix() + "indexer-" + storeName + "-" + instanceId;
    this.producer = new CheckedProducer<>(new KafkaProducer<>(kafka.producer(producerId)), Duration.ofSeconds(60));
    this.writeLatency = Timer.builder("ragstream.indexer.store.write.latency").tag("store", storeName)
        .publishPercentileHistogram().register(metrics);
    this.timeToSearchable = Timer.builder("ragstream.time.to.searchable").tag("store", storeName)
        .publishPercentileHistogram().register(metrics);
    this.upserts = metrics.counter("ragstream.indexer.chunks", "store", storeName, "op", "upsert");
    this.deletes = metrics.counter("ragstream.indexer.chunks", "store", storeName, "op", "delete");
    this.deadLetters = metrics.counter("ragstream.stage.records.dlq", "stage", "indexer");
    this.storeFailures = metrics.counter("ragstream.indexer.store.failures", "store", storeName);
    this.reembedded = metrics.counter("ragstream.indexer.chunks.reembedded", "store", storeName);
    this.metrics = metrics;
    this.lagGauge = Gauge.builder(LAG_METER, lag, AtomicLong::get).tag("store", storeName)
        .description("records on this worker's embeddings partitions it has yet to index").strongReference(true)
        .register(metrics);
  }

  /** The consumer group that writes {@code generation} of {@code store}: each generation has its own progress. */
  public static String group(String topicPrefix, String store, String generation) {
    return topicPrefix + "indexer-" + store + "-" + generation;
  }

  /** The generation this worker writes now (null before it started). */
  public String generation() {
    ChunkStore current = store;
    return current == null ? null : current.generation();
  }

  @Override
  public void run() {
    try {
      String generation = target.current();
      while (running.get()) {
        try {
          generation = writeGeneration(generation);
        } catch (IOException e) {
          // e.g. a replay still holds the write lock of a generation swapped in by hand: wait, never skip ahead
          LOG.warn("cannot open generation {} for writing, retrying in 1 s: {}", generation, e.toString());
          long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
          while (running.get() && System.nanoTime() < until) {
            Thread.sleep(50);
          }
          generation = followed(generation);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (IOException e) {
      LOG.error("indexer stopped: cannot read which generation to write", e);
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("indexer stopped on a fatal error", e);
      throw e;
    } finally {
      try {
        producer.close();
      } finally {
        stopped.countDown();
      }
    }
  }

  /**
   * Writes {@code generation} with its own consumer group until the target names another generation (returned) or
   * the worker stops. Every batch is committed before this returns, so the old group's progress is exact.
   */
  private String writeGeneration(String generation) throws IOException {
    store = target.open(generation);
    String group = group(topicPrefix, storeName, generation);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumer(group, group + "-" + instanceId,
        maxPollRecords))) {
      consumer = c;
      if (!running.get()) {
        return generation; // close() ran before this consumer existed and could not wake it up
      }
      c.subscribe(List.of(Topics.EMBEDDINGS.name(topicPrefix)));
      LOG.info("indexer writes generation {} of {} (group {})", generation, storeName, group);
      long nextLook = System.nanoTime() + FOLLOW_INTERVAL.toNanos();
      while (running.get()) {
        ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
        lag.set(assignedLag(c));
        if (!records.isEmpty()) {
          index(records);
        }
        if (System.nanoTime() - nextLook >= 0) {
          nextLook = System.nanoTime() + FOLLOW_INTERVAL.toNanos();
          String wanted = followed(generation);
          if (!wanted.equals(generation)) {
            LOG.info("generation swapped: indexer moves from {} to {}", generation, wanted);
            return wanted;
          }
        }
      }
      return generation;
    } finally {
      ChunkStore written = store;
      store = null;
      target.release(written);
    }
  }

  /** The target's generation; the current one when the target cannot be read now (retried next interval). */
  private String followed(String generation) {
    try {
      return target.current();
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot read which generation to write; still writing {}", generation, e);
      return generation;
    }
  }

  private void index(ConsumerRecords<byte[], byte[]> records) {
    List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
    records.forEach(batch::add);
    IndexPlan plan = forStoreModel(IndexPlan.of(batch, topicPrefix, embeddingValues));
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
      events.add(new ProducerRecord<>(topic, DocumentKey.of(event.getTenant(), event.getDocId()).bytes(),
          eventValues.serialize(topic, event)));
      if (event.getIngestedAt() != null && event.getChunksUpserted() > 0) {
        timeToSearchable.record(Duration.between(event.getIngestedAt(), now));
      }
    }
    producer.sendAll(events);
  }

  /** The plan with vectors of the store's model, re-embedding chunks that another model embedded. */
  private IndexPlan forStoreModel(IndexPlan plan) {
    if (reembedder == null || plan.batch().upserts().isEmpty()) {
      return plan;
    }
    while (true) {
      try {
        Optional<String> model = store.modelId();
        if (model.isEmpty()) {
          return plan; // an empty generation takes the model of its first vectors
        }
        long foreign = plan.batch().upserts().stream()
            .filter(c -> c.vector() != null && !model.get().equals(c.modelId())).count();
        IndexPlan adjusted = plan.forModel(model.get(), reembedder);
        reembedded.increment(foreign);
        return adjusted;
      } catch (IOException | RuntimeException e) {
        // a model that fails to load or run is a stage fault, not the record's: wait and retry, drop nothing
        retryAfter(plan, e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e),
            Duration.ofSeconds(1));
      }
    }
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
        letters.add(DeadLetters.of(dlq, "indexer", "store_rejected", record,
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
    KafkaConsumer<byte[], byte[]> current = consumer;
    if (current != null) {
      current.wakeup();
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // a stopped worker must not keep reporting its last lag (a shared registry outlives it)
    metrics.remove(lagGauge);
  }

  /** End minus position over the consumer's assignment; a partition whose end it has not fetched yet counts 0. */
  private static long assignedLag(KafkaConsumer<byte[], byte[]> c) {
    long sum = 0;
    for (TopicPartition partition : c.assignment()) {
      sum += c.currentLag(partition).orElse(0);
    }
    return sum;
  }
}
