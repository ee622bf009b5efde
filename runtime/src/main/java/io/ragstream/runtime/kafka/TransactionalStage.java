package io.ragstream.runtime.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
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
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once consume → process → produce: each polled batch's output and its input offsets are committed in one
 * Kafka transaction. A batch whose processing or sending fails is aborted and re-read from the last committed
 * offsets after a back-off, so nothing is lost and, for read_committed readers, nothing is duplicated.
 */
public final class TransactionalStage implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalStage.class);

  private final String stage;
  private final List<String> inputTopics;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Supplier<Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;
  private final BatchProcessor processor;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Counter in;
  private final Counter out;
  private final Timer batchTimer;
  private final Counter recreations;
  private Lanes lanes;
  /** Lane mode: polled records not yet committed, per partition in offset order, partitions in poll order. */
  private final java.util.LinkedHashMap<TopicPartition, java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>>> pending =
      new java.util.LinkedHashMap<>();
  private Counter liveRecords;
  /** Lane mode: runs the processor while the stage thread keeps polling. */
  private java.util.concurrent.ExecutorService processing;

  /**
   * The consumer group of {@code stage}: {@code <topic prefix><stage>}, the same for every replica and every index
   * generation, which is what lag-based scaling (deploy/k8s/scaling.yaml) names.
   */
  public static String group(String topicPrefix, String stage) {
    return topicPrefix + stage;
  }

  /**
   * @param stage short stage name for logs, metrics, group and transactional ids
   * @param instanceId distinguishes workers of one stage (part of the transactional id)
   */
  public TransactionalStage(String stage, String instanceId, KafkaSettings kafka, String inputTopic,
      int maxPollRecords, BatchProcessor processor, MeterRegistry metrics) {
    this(stage, instanceId, kafka, List.of(inputTopic), maxPollRecords, processor, metrics);
  }

  /** A stage that reads several topics (the status tracker follows every stage's output). */
  public TransactionalStage(String stage, String instanceId, KafkaSettings kafka, List<String> inputTopics,
      int maxPollRecords, BatchProcessor processor, MeterRegistry metrics) {
    this(stage, instanceId, kafka, inputTopics, maxPollRecords, processor, metrics, KafkaProducer::new);
  }

  /**
   * @param producerFactory makes each transactional producer from its config: the first one, and a new one whenever
   *     the current one is left in an error state (tests wrap the real producer to inject such faults)
   */
  TransactionalStage(String stage, String instanceId, KafkaSettings kafka, List<String> inputTopics,
      int maxPollRecords, BatchProcessor processor, MeterRegistry metrics,
      Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory) {
    this.stage = stage;
    this.inputTopics = List.copyOf(inputTopics);
    this.processor = processor;
    String group = group(kafka.topicPrefix(), stage);
    this.consumer = new KafkaConsumer<>(kafka.consumer(group, group + "-" + instanceId, maxPollRecords));
    Map<String, Object> producerConfig = kafka.transactionalProducer(group + "-" + instanceId);
    this.producers = () -> producerFactory.apply(producerConfig);
    this.producer = producers.get();
    this.in = metrics.counter("ragstream.stage.records.in", "stage", stage);
    this.out = metrics.counter("ragstream.stage.records.out", "stage", stage);
    this.recreations = metrics.counter("ragstream.stage.producer.recreations", "stage", stage);
    this.batchTimer = Timer.builder("ragstream.stage.batch.latency").tag("stage", stage)
        .publishPercentileHistogram().register(metrics);
  }

  /**
   * How a stage in lane mode picks each transaction's records.
   *
   * @param live whether a record is in the live lane ({@code Priority#isLive} of its headers)
   * @param document the document a record belongs to (its records must stay in order)
   * @param maxRecordsPerTransaction bulk records per transaction at most: bounds how long a live record that arrives
   *     meanwhile waits for the transaction in flight
   * @param lookahead polled records held uncommitted at most: how deep into the backlog a live record is found
   */
  public record Lanes(java.util.function.Predicate<ConsumerRecord<byte[], byte[]>> live,
      Function<ConsumerRecord<byte[], byte[]>, Object> document, int maxRecordsPerTransaction, int lookahead) {
    public Lanes {
      java.util.Objects.requireNonNull(live, "live");
      java.util.Objects.requireNonNull(document, "document");
      if (maxRecordsPerTransaction < 1 || lookahead < maxRecordsPerTransaction) {
        throw new IllegalArgumentException("need 1 <= maxRecordsPerTransaction <= lookahead, got "
            + maxRecordsPerTransaction + " and " + lookahead);
      }
    }

    /**
     * The next transaction's records, from the pending records in poll order (per partition in offset order): every
     * pending record of each document that has a live record pending, in order, up to {@code
     * maxRecordsPerTransaction} (whole documents, at least one); with no live record, the first {@code
     * maxRecordsPerTransaction} records.
     */
    public List<ConsumerRecord<byte[], byte[]>> next(List<ConsumerRecord<byte[], byte[]>> inOrder) {
      java.util.Set<Object> liveDocuments = new java.util.LinkedHashSet<>();
      for (ConsumerRecord<byte[], byte[]> r : inOrder) {
        if (live.test(r)) {
          liveDocuments.add(document.apply(r));
        }
      }
      if (liveDocuments.isEmpty()) {
        return inOrder.subList(0, Math.min(maxRecordsPerTransaction, inOrder.size()));
      }
      Map<Object, List<ConsumerRecord<byte[], byte[]>>> byDocument = new java.util.LinkedHashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : inOrder) {
        Object doc = document.apply(r);
        if (liveDocuments.contains(doc)) {
          byDocument.computeIfAbsent(doc, d -> new java.util.ArrayList<>()).add(r);
        }
      }
      List<ConsumerRecord<byte[], byte[]>> chosen = new java.util.ArrayList<>();
      for (List<ConsumerRecord<byte[], byte[]>> records : byDocument.values()) {
        if (!chosen.isEmpty() && chosen.size() + records.size() > maxRecordsPerTransaction) {
          break;
        }
        chosen.addAll(records);
      }
      return chosen;
    }
  }

  /**
   * Runs this stage in lane mode (call before {@link #run()}): it keeps up to {@code lookahead} polled records,
   * commits them in transactions of at most {@code maxRecordsPerTransaction}, and serves a live document's records
   * first, ahead of the bulk records polled before them. Each transaction commits, per partition, the offset of the
   * first record not yet processed, so a crash re-reads exactly what is uncommitted; a live record processed ahead
   * of uncommitted bulk records of its partition is re-read (and its output sent again) after a crash in that
   * window: at-least-once for those records, which the idempotent, versioned sinks absorb (docs/RELIABILITY.md).
   */
  public TransactionalStage withLanes(Lanes lanes, MeterRegistry metrics) {
    this.lanes = lanes;
    this.liveRecords = metrics.counter("ragstream.stage.records.live", "stage", stage);
    this.processing = java.util.concurrent.Executors.newSingleThreadExecutor(
        Thread.ofPlatform().daemon().name("ragstream-" + stage + "-process").factory());
    return this;
  }

  @Override
  public void run() {
    try {
      producer.initTransactions();
      if (lanes != null) {
        runLanes();
        return;
      }
      consumer.subscribe(inputTopics);
      Duration backoff = Duration.ofMillis(200);
      while (running.get()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        if (records.isEmpty()) {
          continue;
        }
        try {
          processInTransaction(records);
          backoff = Duration.ofMillis(200);
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
          throw e; // another instance took over our transactional id, or we may not write: stop this worker
        } catch (WakeupException e) {
          throw e;
        } catch (Exception e) {
          LOG.warn("{}: batch of {} records failed, aborting and retrying in {} ms: {}", stage, records.count(),
              backoff.toMillis(), e.toString());
          if (!abort(e)) {
            recreateProducer();
          }
          rewind(records.partitions());
          sleep(backoff);
          backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
              : backoff.multipliedBy(2);
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } catch (RuntimeException e) {
      LOG.error("{}: stage stopped on a fatal error", stage, e);
      throw e;
    } finally {
      try {
        if (processing != null) {
          processing.shutdownNow();
        }
        consumer.close();
        producer.close(Duration.ofSeconds(5));
      } finally {
        stopped.countDown();
      }
    }
  }

  private void runLanes() {
    consumer.subscribe(inputTopics, new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
      // called inside poll, on this thread, between transactions: a partition's uncommitted records are its next
      // owner's to read (from the committed offset)
      @Override
      public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
        partitions.forEach(pending::remove);
      }

      @Override
      public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
        partitions.forEach(pending::remove);
      }

      @Override
      public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {}
    });
    Duration backoff = Duration.ofMillis(200);
    while (running.get()) {
      int held = pending.values().stream().mapToInt(java.util.ArrayDeque::size).sum();
      // Drain what the consumer has buffered (up to the lookahead): a partition is fetched again only once its
      // buffered records are taken, so a live record is found only this deep behind the backlog. With work in hand
      // the poll takes only what has already arrived and never holds up the next transaction.
      while (held < lanes.lookahead()) {
        int taken = takeArrived(held == 0 ? Duration.ofMillis(500) : Duration.ZERO);
        if (taken == 0) {
          break;
        }
        held += taken;
      }
      List<ConsumerRecord<byte[], byte[]>> inOrder = new java.util.ArrayList<>();
      pending.values().forEach(inOrder::addAll);
      if (inOrder.isEmpty()) {
        continue;
      }
      List<ConsumerRecord<byte[], byte[]>> chosen = lanes.next(inOrder);
      try {
        processLaneTransaction(chosen);
        backoff = Duration.ofMillis(200);
      } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
        throw e;
      } catch (WakeupException e) {
        throw e;
      } catch (Exception e) {
        LOG.warn("{}: transaction of {} records failed, aborting and retrying in {} ms: {}", stage, chosen.size(),
            backoff.toMillis(), e.toString());
        if (!abort(e)) {
          recreateProducer();
        }
        pending.clear(); // read again from the committed offsets
        rewind(consumer.assignment());
        sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
            : backoff.multipliedBy(2);
      }
    }
  }

  /** Polls once and holds what came; returns how many records. */
  private int takeArrived(Duration timeout) {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
    for (ConsumerRecord<byte[], byte[]> r : records) {
      pending.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), p -> new java.util.ArrayDeque<>()).add(r);
    }
    return records.count();
  }

  /**
   * Runs the processor on its own thread and keeps polling meanwhile (up to the lookahead), so that a live record
   * that arrives during this transaction is in hand when it ends: the consumer fetches only inside poll, and a
   * record first fetched after the transaction would wait for one more. Polling between transactions is what the
   * consumer contract asks; records polled here are only held, never processed or committed by this transaction.
   */
  private List<ProducerRecord<byte[], byte[]>> processWhilePolling(List<ConsumerRecord<byte[], byte[]>> batch)
      throws Exception {
    java.util.concurrent.Future<List<ProducerRecord<byte[], byte[]>>> work =
        processing.submit(() -> processor.process(batch));
    try {
      while (!work.isDone()) {
        int held = pending.values().stream().mapToInt(java.util.ArrayDeque::size).sum();
        if (held < lanes.lookahead()) {
          try {
            takeArrived(Duration.ofMillis(10));
          } catch (WakeupException e) {
            if (running.get()) {
              throw e;
            }
            return work.get(); // closing: finish and commit this transaction, as the plain loop does
          }
        } else {
          try {
            return work.get(10, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException e) {
            // still processing
          }
        }
      }
      return work.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error; // as in the plain loop: an Error stops the worker, it is not retried in place
      }
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } finally {
      if (!work.isDone()) {
        work.cancel(true); // the poll was woken up (the stage is closing) or failed: the batch is aborted anyway
      }
    }
  }

  /**
   * One lane-mode transaction: the chosen records' output, and per partition they touch the offset of the first
   * record still pending (or the position, past the transaction markers, once none is).
   */
  private void processLaneTransaction(List<ConsumerRecord<byte[], byte[]>> chosen) throws Exception {
    long start = System.nanoTime();
    List<ConsumerRecord<byte[], byte[]>> batch = List.copyOf(chosen); // chosen may be a view of the pending list
    in.increment(batch.size());
    long live = batch.stream().filter(lanes.live()).count();
    producer.beginTransaction();
    List<ProducerRecord<byte[], byte[]>> output = processWhilePolling(batch);
    for (ProducerRecord<byte[], byte[]> record : output) {
      producer.send(record);
    }
    java.util.Set<ConsumerRecord<byte[], byte[]>> done =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    done.addAll(batch);
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>>> remaining = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : batch) {
      TopicPartition partition = new TopicPartition(r.topic(), r.partition());
      remaining.computeIfAbsent(partition, p -> {
        java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> left = new java.util.ArrayDeque<>();
        java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> held = pending.get(p);
        if (held == null) {
          throw new IllegalStateException(p + " was revoked during the transaction; it is aborted and read again");
        }
        for (ConsumerRecord<byte[], byte[]> q : held) {
          if (!done.contains(q)) {
            left.add(q);
          }
        }
        return left;
      });
    }
    remaining.forEach((partition, left) -> offsets.put(partition, new OffsetAndMetadata(
        left.isEmpty() ? consumer.position(partition) : left.peekFirst().offset())));
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.commitTransaction();
    remaining.forEach((partition, left) -> {
      if (left.isEmpty()) {
        pending.remove(partition);
      } else {
        pending.put(partition, left);
      }
    });
    out.increment(output.size());
    liveRecords.increment(live);
    batchTimer.record(Duration.ofNanos(System.nanoTime() - start));
  }

  private void processInTransaction(ConsumerRecords<byte[], byte[]> records) throws Exception {
    long start = System.nanoTime();
    List<ConsumerRecord<byte[], byte[]>> batch = new java.util.ArrayList<>(records.count());
    records.forEach(batch::add);
    in.increment(batch.size());
    producer.beginTransaction();
    List<ProducerRecord<byte[], byte[]>> output = processor.process(batch);
    for (ProducerRecord<byte[], byte[]> record : output) {
      producer.send(record); // a failed send makes commitTransaction throw, so none is lost silently
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : records.partitions()) {
      // The position, not last offset + 1: it is past the transaction markers that follow the last record, so
      // a caught-up stage shows zero lag. The whole poll is processed, so every record before it is handled.
      offsets.put(partition, new OffsetAndMetadata(consumer.position(partition)));
    }
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.commitTransaction();
    out.increment(output.size());
    batchTimer.record(Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Aborts the open transaction. Returns false when the producer cannot abort: it is in an error state, and every
   * later transactional call would fail the same way ("Cannot execute transactional method because we are in an
   * error state"), so retrying with it would stop the stage for good.
   */
  private boolean abort(Exception cause) {
    try {
      producer.abortTransaction();
      return true;
    } catch (KafkaException | IllegalStateException e) {
      cause.addSuppressed(e);
      return false;
    }
  }

  /** Replaces a producer that cannot continue (see {@link TransactionalProducers#replace}). */
  private void recreateProducer() {
    recreations.increment();
    producer = TransactionalProducers.replace(stage, producer, producers, running::get);
  }

  /** Seeks back to the committed offsets so the aborted batch is read again. */
  private void rewind(java.util.Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
    for (TopicPartition partition : partitions) {
      OffsetAndMetadata offset = committed.get(partition);
      if (offset != null) {
        consumer.seek(partition, offset);
      } else {
        consumer.seekToBeginning(List.of(partition));
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops polling, finishes or aborts the current batch, and waits until the clients are closed. */
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
