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

  @Override
  public void run() {
    try {
      producer.initTransactions();
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
        consumer.close();
        producer.close(Duration.ofSeconds(5));
      } finally {
        stopped.countDown();
      }
    }
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

  /**
   * Replaces a producer that cannot continue with a new one under the same transactional id. Its
   * {@code initTransactions} aborts whatever the old one left open and fences it, so nothing it sent is ever
   * committed. While the brokers cannot be reached this retries with a back-off rather than stopping the stage.
   */
  private void recreateProducer() {
    LOG.warn("{}: transactional producer is in an error state; closing it and starting a new one", stage);
    recreations.increment();
    Duration backoff = Duration.ofMillis(200);
    while (true) {
      try {
        producer.close(Duration.ZERO);
      } catch (KafkaException e) {
        LOG.debug("{}: closing the failed producer: {}", stage, e.toString());
      }
      producer = producers.get();
      try {
        producer.initTransactions();
        return;
      } catch (ProducerFencedException | AuthorizationException e) {
        throw e;
      } catch (KafkaException e) {
        if (!running.get()) {
          throw e;
        }
        LOG.warn("{}: new producer could not initialise its transactions, retrying in {} ms: {}", stage,
            backoff.toMillis(), e.toString());
        sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
            : backoff.multipliedBy(2);
      }
    }
  }

  /** Seeks back to the committed offsets so the aborted batch is read again. */
  private void rewind(Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
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
