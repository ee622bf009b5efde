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
  /** Lane mode, optional: processes live records while a transaction's records are processed. */
  private BatchProcessor liveProcessor;
  private java.util.concurrent.ExecutorService liveProcessing;
  /** Whether a transaction is open on the producer (lane mode begins one only when its output is ready). */
  private boolean inTransaction;
  /** Lane mode: a live record arrived since the pending records were last searched for live ones to serve. */
  private boolean liveArrived;

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
      List<ConsumerRecord<byte[], byte[]>> live = liveDocuments(inOrder, java.util.Set.of());
      return !live.isEmpty() ? live : inOrder.subList(0, Math.min(maxRecordsPerTransaction, inOrder.size()));
    }

    /**
     * The live records that can be served while a transaction with {@code inFlight} is being processed: as {@link
     * #next}'s live choice, from the pending records not in flight, leaving out every document with a record in
     * flight (its later records must not be committed ahead of it); empty when there is no such live record.
     */
    public List<ConsumerRecord<byte[], byte[]>> ahead(List<ConsumerRecord<byte[], byte[]>> inOrder,
        java.util.Set<ConsumerRecord<byte[], byte[]>> inFlight) {
      java.util.Set<Object> busy = new java.util.HashSet<>();
      inFlight.forEach(r -> busy.add(document.apply(r)));
      return liveDocuments(inOrder.stream().filter(r -> !inFlight.contains(r)).toList(), busy);
    }

    /** Every record of each live document not in {@code excluded}, whole documents up to the bound (at least one). */
    private List<ConsumerRecord<byte[], byte[]>> liveDocuments(List<ConsumerRecord<byte[], byte[]>> inOrder,
        java.util.Set<Object> excluded) {
      java.util.Set<Object> liveDocuments = new java.util.LinkedHashSet<>();
      for (ConsumerRecord<byte[], byte[]> r : inOrder) {
        if (live.test(r)) {
          Object doc = document.apply(r);
          if (!excluded.contains(doc)) {
            liveDocuments.add(doc);
          }
        }
      }
      if (liveDocuments.isEmpty()) {
        return List.of();
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

  /**
   * Lane mode in which live records do not wait for the transaction in flight either: while its records are
   * processed, live documents polled meanwhile (none of whose records is in flight) are processed by {@code
   * liveProcessor} on a thread of their own and committed in a transaction of their own as soon as they are done.
   * {@code liveProcessor} must not queue behind the main processor's work (the embedder gives it an inference call
   * of its own on the shared session); offsets are committed as in {@link #withLanes(Lanes, MeterRegistry)}, never
   * past a record still in flight.
   */
  public TransactionalStage withLanes(Lanes lanes, BatchProcessor liveProcessor, MeterRegistry metrics) {
    withLanes(lanes, metrics);
    this.liveProcessor = java.util.Objects.requireNonNull(liveProcessor, "liveProcessor");
    this.liveProcessing = java.util.concurrent.Executors.newSingleThreadExecutor(
        Thread.ofPlatform().daemon().name("ragstream-" + stage + "-live").factory());
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
        if (liveProcessing != null) {
          liveProcessing.shutdownNow();
        }
        KafkaSettings.closeMember(consumer);
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
      liveArrived |= lanes.live().test(r);
    }
    return records.count();
  }

  /**
   * Runs the processor on its own thread and keeps polling meanwhile (up to the lookahead), so that a live record
   * that arrives during this transaction is in hand when it ends: the consumer fetches only inside poll, and a
   * record first fetched after the transaction would wait for one more. Polling between transactions is what the
   * consumer contract asks; records polled here are only held, never processed or committed by this transaction.
   * With a live processor, live documents polled meanwhile are processed and committed before this batch is done.
   */
  private List<ProducerRecord<byte[], byte[]>> processWhilePolling(List<ConsumerRecord<byte[], byte[]>> batch)
      throws Exception {
    java.util.concurrent.Future<List<ProducerRecord<byte[], byte[]>>> work =
        processing.submit(() -> processor.process(batch));
    java.util.Set<ConsumerRecord<byte[], byte[]>> inFlight =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    inFlight.addAll(batch);
    List<ConsumerRecord<byte[], byte[]>> liveBatch = List.of();
    java.util.concurrent.Future<List<ProducerRecord<byte[], byte[]>>> liveWork = null;
    long liveStart = 0;
    liveArrived = true; // live records held back while a document of theirs was in flight may be free now
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
            return result(work); // closing: finish and commit this transaction, as the plain loop does
          }
        } else {
          try {
            work.get(10, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // still processing; or failed, which result(work) below throws
          }
        }
        if (liveProcessor == null) {
          continue;
        }
        if (liveWork == null && liveArrived) {
          liveArrived = false;
          List<ConsumerRecord<byte[], byte[]>> inOrder = new java.util.ArrayList<>();
          pending.values().forEach(inOrder::addAll);
          liveBatch = List.copyOf(lanes.ahead(inOrder, inFlight));
          if (!liveBatch.isEmpty()) {
            liveStart = System.nanoTime();
            in.increment(liveBatch.size());
            List<ConsumerRecord<byte[], byte[]>> records = liveBatch;
            liveWork = liveProcessing.submit(() -> liveProcessor.process(records));
          }
        } else if (liveWork != null && liveWork.isDone()) {
          commitLane(liveBatch, result(liveWork), liveBatch.stream().filter(lanes.live()).count(), liveStart);
          liveWork = null;
        }
      }
      return finishLive(liveWork, liveBatch, liveStart, result(work));
    } finally {
      if (!work.isDone()) {
        work.cancel(true); // the poll was woken up (the stage is closing) or failed: the batch is aborted anyway
      }
      if (liveWork != null && !liveWork.isDone()) {
        liveWork.cancel(true); // its records are still pending, uncommitted: read again after the abort
      }
    }
  }

  /** Commits the live transaction still being processed, if any, before the batch it overtook; returns output. */
  private List<ProducerRecord<byte[], byte[]>> finishLive(
      java.util.concurrent.Future<List<ProducerRecord<byte[], byte[]>>> liveWork,
      List<ConsumerRecord<byte[], byte[]>> liveBatch, long liveStart, List<ProducerRecord<byte[], byte[]>> output)
      throws Exception {
    if (liveWork != null) {
      commitLane(liveBatch, result(liveWork), liveBatch.stream().filter(lanes.live()).count(), liveStart);
    }
    return output;
  }

  /** The work's output; its failure as thrown by the processor (an Error stops the worker, as in the plain loop). */
  private static List<ProducerRecord<byte[], byte[]>> result(
      java.util.concurrent.Future<List<ProducerRecord<byte[], byte[]>>> work) throws Exception {
    try {
      return work.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** One lane-mode transaction: the chosen records are processed (serving live ones meanwhile), then committed. */
  private void processLaneTransaction(List<ConsumerRecord<byte[], byte[]>> chosen) throws Exception {
    long start = System.nanoTime();
    List<ConsumerRecord<byte[], byte[]>> batch = List.copyOf(chosen); // chosen may be a view of the pending list
    in.increment(batch.size());
    long live = batch.stream().filter(lanes.live()).count();
    commitLane(batch, processWhilePolling(batch), live, start);
  }

  /**
   * Commits processed records in a transaction of their own: their output, and per partition they touch the offset
   * of the first record still pending (records in flight in another transaction included), or the position, past
   * the transaction markers, once none is. The transaction is begun only here, when the output is ready, so that a
   * live transaction can be committed while another batch is being processed.
   */
  private void commitLane(List<ConsumerRecord<byte[], byte[]>> batch, List<ProducerRecord<byte[], byte[]>> output,
      long live, long start) {
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
    inTransaction = true;
    producer.beginTransaction();
    for (ProducerRecord<byte[], byte[]> record : output) {
      producer.send(record); // a failed send makes commitTransaction throw, so none is lost silently
    }
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.commitTransaction();
    inTransaction = false;
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
    inTransaction = true;
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
    inTransaction = false;
    out.increment(output.size());
    batchTimer.record(Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Aborts the open transaction, if one is open (lane mode fails outside one when processing fails). Returns false when the producer cannot abort: it is in an error state, and every
   * later transactional call would fail the same way ("Cannot execute transactional method because we are in an
   * error state"), so retrying with it would stop the stage for good.
   */
  private boolean abort(Exception cause) {
    if (!inTransaction) {
      return true;
    }
    try {
      producer.abortTransaction();
      inTransaction = false;
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
    inTransaction = false;
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
