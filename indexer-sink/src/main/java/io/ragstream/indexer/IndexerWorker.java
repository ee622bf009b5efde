package io.ragstream.indexer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TransactionalProducers;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.ErrorHeaders;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeddings → store. Offsets are committed only after the store made the batch durable; the writes are idempotent
 * upserts and deletes by chunk id, so a crash between the two replays the batch harmlessly. A store failure pauses
 * consumption and retries with back-off: nothing is dropped. A chunk the store refuses for good (an immense term, a
 * mapping error) is dead-lettered as {@code store_rejected} while the rest of the batch is written.
 *
 * <p>The batch's index events (one per document) and dead letters are sent in one Kafka transaction with the
 * batch's offsets ({@code sendOffsetsToTransaction}), after the store write: a crash anywhere before that commit
 * leaves neither the events nor the offsets, so the batch is read again, written again (idempotently) and its
 * events sent then; after the commit both are there. A read_committed reader (every stage's) sees each event once.
 *
 * <p>A rebalance during a store retry (the worker polls while paused to keep its membership) can take partitions
 * away: their records are dropped from the pending batch before the next attempt and their offsets are never
 * committed here, so their new owner re-reads them from the committed offsets and no two workers write the same
 * chunk at once.
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
  /** The pause after a failed commit before the batch is read again. */
  private static final Duration COMMIT_RETRY_PAUSE = Duration.ofMillis(500);
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
  // transactional: index events and dead letters are committed with the offsets; replaced when in an error state
  private final Supplier<Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;
  // partitions revoked or lost since the current batch was polled (written by the rebalance callbacks, which run
  // on the worker thread inside poll)
  private final Set<TopicPartition> revoked = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Timer writeLatency;
  private final Timer timeToSearchable;
  private final Counter upserts;
  private final Counter deletes;
  private final Counter deadLetters;
  private final Counter storeFailures;
  private final Counter reembedded;
  private final Counter recreations;
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
    this(kafka, instanceId, storeName, target, reembedder, maxPollRecords, metrics, KafkaProducer::new);
  }

  /**
   * @param producerFactory makes each transactional producer from its config: the first one, and a new one whenever
   *     the current one is left in an error state (tests wrap the real producer to inject faults)
   */
  IndexerWorker(KafkaSettings kafka, String instanceId, String storeName, IndexTarget target,
      Reembedder reembedder, int maxPollRecords, MeterRegistry metrics,
      Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory) {
    this.kafka = kafka;
    this.embeddingValues = kafka.valueSerde(Topics.EMBEDDINGS).deserializer();
    this.eventValues = kafka.valueSerde(Topics.INDEX_EVENTS).serializer();
    this.instanceId = instanceId;
    this.storeName = storeName;
    this.target = target;
    this.reembedder = reembedder;
    this.maxPollRecords = maxPollRecords;
    this.topicPrefix = kafka.topicPrefix();
    // one transactional id per store and instance: a restarted instance fences its previous incarnation and aborts
    // what that one left open; a generation swap keeps the producer (the offsets name their group)
    Map<String, Object> producerConfig =
        kafka.transactionalProducer(kafka.topicPrefix() + "indexer-" + storeName + "-" + instanceId);
    this.producers = () -> producerFactory.apply(producerConfig);
    this.producer = producers.get();
    this.writeLatency = Timer.builder("ragstream.indexer.store.write.latency").tag("store", storeName)
        .publishPercentileHistogram().register(metrics);
    this.timeToSearchable = Timer.builder("ragstream.time.to.searchable").tag("store", storeName)
        .publishPercentileHistogram().register(metrics);
    this.upserts = metrics.counter("ragstream.indexer.chunks", "store", storeName, "op", "upsert");
    this.deletes = metrics.counter("ragstream.indexer.chunks", "store", storeName, "op", "delete");
    this.deadLetters = metrics.counter("ragstream.stage.records.dlq", "stage", "indexer");
    this.storeFailures = metrics.counter("ragstream.indexer.store.failures", "store", storeName);
    this.reembedded = metrics.counter("ragstream.indexer.chunks.reembedded", "store", storeName);
    this.recreations = metrics.counter("ragstream.stage.producer.recreations", "stage", "indexer-" + storeName);
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
      producer.initTransactions();
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
        producer.close(Duration.ofSeconds(5));
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
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.consumer(group, group + "-" + instanceId,
        maxPollRecords));
    try {
      consumer = c;
      if (!running.get()) {
        return generation; // close() ran before this consumer existed and could not wake it up
      }
      c.subscribe(List.of(Topics.EMBEDDINGS.name(topicPrefix)), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
          revoked.addAll(partitions);
        }

        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
          // read from the group's committed offsets: nothing to do
        }

        @Override
        public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
          revoked.addAll(partitions);
        }
      });
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
      try {
        KafkaSettings.closeMember(c);
      } finally {
        ChunkStore written = store;
        store = null;
        target.release(written);
      }
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
    revoked.clear(); // a poll returns records of partitions assigned now
    List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>(records.count());
    records.forEach(polled::add);
    Written written = writeWithRetry(polled);
    if (written == null) {
      return; // every partition of the batch moved to another worker during the retry: it re-reads them
    }
    List<ProducerRecord<byte[], byte[]>> output = new ArrayList<>(written.plan().deadLetters());
    if (written.rejected() != null) {
      output.addAll(rejectedLetters(written.records(), written.plan(), written.rejected()));
    }
    int letters = output.size();
    Instant now = Instant.now();
    String eventTopic = Topics.INDEX_EVENTS.name(topicPrefix);
    List<IndexEvent> events = written.plan().events(store.name(), store.generation(), now);
    for (IndexEvent event : events) {
      output.add(new ProducerRecord<>(eventTopic, DocumentKey.of(event.getTenant(), event.getDocId()).bytes(),
          eventValues.serialize(eventTopic, event)));
    }
    Set<TopicPartition> partitions = new java.util.HashSet<>();
    written.records().forEach(r -> partitions.add(new TopicPartition(r.topic(), r.partition())));
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      // The position (past trailing transaction markers), not last offset + 1: a caught-up indexer shows zero lag.
      offsets.put(partition, new OffsetAndMetadata(consumer.position(partition)));
    }
    if (!commit(output, offsets)) {
      return;
    }
    if (letters > 0) {
      deadLetters.increment(letters);
    }
    for (IndexEvent event : events) {
      if (event.getIngestedAt() != null && event.getChunksUpserted() > 0) {
        timeToSearchable.record(Duration.between(event.getIngestedAt(), now));
      }
    }
  }

  /**
   * Sends the batch's dead letters and index events and commits its offsets in one transaction. On a failure that
   * is not fatal (a rebalance fenced the offsets, a broker went away) the transaction is aborted and the batch's
   * partitions rewound to their committed offsets: it is read, written and announced again. Returns whether it
   * committed.
   */
  private boolean commit(List<ProducerRecord<byte[], byte[]>> output,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      producer.beginTransaction();
      for (ProducerRecord<byte[], byte[]> record : output) {
        producer.send(record); // a failed send makes commitTransaction throw: none is lost silently
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      producer.commitTransaction();
      return true;
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
        | UnsupportedVersionException e) {
      throw e; // another incarnation took over our transactional id, or we may not write: stop this worker
    } catch (KafkaException | IllegalStateException e) {
      LOG.warn("committing the batch's events and offsets failed; the batch is read again: {}", e.toString());
      try {
        producer.abortTransaction();
      } catch (KafkaException | IllegalStateException abortFailed) {
        recreateProducer(); // an error state: every later transactional call would fail the same way
      }
      rewind(offsets.keySet());
      try {
        Thread.sleep(COMMIT_RETRY_PAUSE); // a broker that is away is not asked again at once
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new WakeupException();
      }
      return false;
    }
  }

  /** Seeks the still-owned {@code partitions} back to their committed offsets, so their batch is read again. */
  private void rewind(Set<TopicPartition> partitions) {
    Set<TopicPartition> owned = new java.util.HashSet<>(partitions);
    owned.retainAll(consumer.assignment());
    if (owned.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(owned);
    for (TopicPartition partition : owned) {
      OffsetAndMetadata offset = committed.get(partition);
      if (offset != null) {
        consumer.seek(partition, offset);
      } else {
        consumer.seekToBeginning(List.of(partition));
      }
    }
  }

  /** Replaces a producer in an error state with a new one under the same transactional id (which fences the old). */
  private void recreateProducer() {
    recreations.increment();
    producer = TransactionalProducers.replace("indexer " + storeName, producer, producers, running::get);
  }

  /** What a batch wrote: the records of partitions still owned, their plan, and the store's refusals (or null). */
  private record Written(List<ConsumerRecord<byte[], byte[]>> records, IndexPlan plan,
      RejectedChunksException rejected) {}

  /** The records of {@code polled} whose partition has not been revoked since the poll. */
  private List<ConsumerRecord<byte[], byte[]>> owned(List<ConsumerRecord<byte[], byte[]>> polled) {
    if (revoked.isEmpty()) {
      return polled;
    }
    return polled.stream().filter(r -> !revoked.contains(new TopicPartition(r.topic(), r.partition()))).toList();
  }

  /**
   * The plan with vectors of the store's model, re-embedding chunks that another model embedded. A model that fails
   * to load or run is a stage fault, not the record's: the caller retries, dropping nothing.
   */
  private IndexPlan forStoreModel(IndexPlan plan) throws IOException {
    if (reembedder == null || plan.batch().upserts().isEmpty()) {
      return plan;
    }
    Optional<String> model = store.modelId();
    if (model.isEmpty()) {
      return plan; // an empty generation takes the model of its first vectors
    }
    long foreign = plan.batch().upserts().stream()
        .filter(c -> c.vector() != null && !model.get().equals(c.modelId())).count();
    IndexPlan adjusted = plan.forModel(model.get(), reembedder);
    reembedded.increment(foreign);
    return adjusted;
  }

  /**
   * The dead letters of chunks the store refused for good: the last record of each refused chunk id in the batch
   * (the one whose write was refused), with the store's reason.
   */
  private List<ProducerRecord<byte[], byte[]>> rejectedLetters(List<ConsumerRecord<byte[], byte[]>> batch,
      IndexPlan plan, RejectedChunksException rejected) {
    Map<String, StoredChunk> chunkOf = new HashMap<>();
    plan.batch().upserts().forEach(c -> chunkOf.put(c.chunkId(), c));
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
        ProducerRecord<byte[], byte[]> letter = DeadLetters.of(dlq, "indexer", "store_rejected", record,
            new IllegalArgumentException(store.name() + " rejected chunk " + chunkId + ": " + reason));
        StoredChunk chunk = chunkOf.get(chunkId);
        if (chunk != null && letter.headers().lastHeader(ErrorHeaders.DOC_ID) == null) { // for status, dlq list
          letter.headers().add(ErrorHeaders.DOC_ID, chunk.docId().getBytes(StandardCharsets.UTF_8));
          letter.headers().add(ErrorHeaders.TENANT, chunk.tenant().getBytes(StandardCharsets.UTF_8));
        }
        letters.add(letter);
      }
    });
    return letters;
  }

  /**
   * Retries the write until the store takes it, pausing consumption meanwhile so nothing piles up unbounded. Each
   * attempt writes only the records of partitions this worker still owns (a rebalance during the retry may have
   * moved some away). Returns what was written, with the store's rejection of single chunks (the rest is written),
   * or null when no partition of the batch is owned any more.
   */
  private Written writeWithRetry(List<ConsumerRecord<byte[], byte[]>> polled) {
    Duration backoff = Duration.ofMillis(200);
    List<ConsumerRecord<byte[], byte[]>> records = null;
    IndexPlan plan = null;
    while (true) {
      List<ConsumerRecord<byte[], byte[]>> owned = owned(polled);
      if (owned.isEmpty()) {
        LOG.info("every partition of the pending batch was revoked during the retry; its new owner re-reads it");
        consumer.resume(consumer.paused());
        return null;
      }
      try {
        if (records == null || owned.size() != records.size()) {
          if (records != null) {
            LOG.info("partitions revoked during the retry: {} of {} records left to the new owner",
                records.size() - owned.size(), records.size());
          }
          plan = forStoreModel(IndexPlan.of(owned, topicPrefix, embeddingValues));
          records = owned;
        }
        IndexPlan attempt = plan;
        if (!attempt.batch().isEmpty()) {
          writeLatency.recordCallable(() -> {
            store.write(attempt.batch());
            return null;
          });
          upserts.increment(attempt.batch().upserts().size());
          deletes.increment(attempt.batch().deletes().size());
        }
        consumer.resume(consumer.paused());
        return new Written(records, attempt, null);
      } catch (RejectedChunksException rejected) {
        // Not retriable: the same chunks would be refused forever. The rest of the batch is durable.
        upserts.increment(plan.batch().upserts().size() - rejected.reasons().size());
        deletes.increment(plan.batch().deletes().size());
        consumer.resume(consumer.paused());
        return new Written(records, plan, rejected);
      } catch (WakeupException e) {
        throw e;
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
          throw new WakeupException();
        }
        // a plan that failed to build (a model that does not load) left records unset: it is built again
        backoff = retryAfter(owned.size(), e, backoff);
      }
    }
  }

  /** Logs the failure, waits out the back-off with consumption paused, and returns the next back-off. */
  private Duration retryAfter(int records, Exception e, Duration backoff) {
    if (!running.get()) {
      throw new WakeupException();
    }
    storeFailures.increment();
    LOG.warn("store {} write failed ({} records), retrying in {} ms: {}", store.name(), records, backoff.toMillis(),
        e.toString());
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
