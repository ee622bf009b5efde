package io.ragstream.runtime.kafka;

import static io.ragstream.runtime.kafka.CopyTopics.numbered;
import static io.ragstream.runtime.kafka.CopyTopics.readCommitted;
import static io.ragstream.runtime.kafka.CopyTopics.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.schemas.Topics;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transactional producer left in an error state must be replaced, not retried: every later transactional call on
 * it fails the same way, so retrying in place stops the stage for good while its lag grows.
 */
class TransactionalStageIT {
  private static final Set<String> TRANSACTIONAL = Set.of("beginTransaction", "send", "sendOffsetsToTransaction",
      "commitTransaction", "abortTransaction");

  @TempDir Path dataDir;

  /**
   * A worker stopped while a rebalance holds its JoinGroup (the group waits for a member that stopped polling, as it
   * waits for a crashed one) stops within the stage's close timeout, not the client's 30 s default, which the chaos
   * run measured for every embedder killed just after a broker restart.
   */
  @Test
  void aStageStoppedDuringAPendingRebalanceClosesWithoutWaitingForIt() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      KafkaSettings settings = CopyTopics.create(kafka);
      String group = TransactionalStage.group(settings.topicPrefix(), "close");
      java.util.Map<String, Object> config = settings.consumer(group, "stalled", 10);
      config.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 120_000);
      try (var stalled = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(config);
          Admin admin = Admin.create(java.util.Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        stalled.subscribe(List.of("in"));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (stalled.assignment().isEmpty() && System.nanoTime() < deadline) {
          stalled.poll(Duration.ofMillis(200));
        }
        assertThat(stalled.assignment()).as("the first member owns the partition").isNotEmpty();
        // from now on it heartbeats but never polls, so a rebalance waits for its rejoin (up to 120 s)

        BatchProcessor copy = batch -> batch.stream()
            .map(r -> new ProducerRecord<>("out", r.key(), r.value())).toList();
        TransactionalStage stage = new TransactionalStage("close", "0", settings, List.of("in"), 5, copy,
            new SimpleMeterRegistry());
        Thread worker = Thread.ofPlatform().name("close-stage").start(stage);
        org.apache.kafka.common.GroupState state = null;
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (state != org.apache.kafka.common.GroupState.PREPARING_REBALANCE && System.nanoTime() < deadline) {
          Thread.sleep(200);
          state = admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState();
        }
        assertThat(state).as("the stage's JoinGroup is held by the rebalance")
            .isEqualTo(org.apache.kafka.common.GroupState.PREPARING_REBALANCE);
        Thread.sleep(500);

        long start = System.nanoTime();
        stage.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        worker.join(5_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(took).as("close waits at most its own timeout (5 s), not the client's 30 s default")
            .isLessThan(Duration.ofSeconds(15));
      }
    }
  }

  @Test
  void aProducerInAnErrorStateIsReplacedAndEveryRecordIsDeliveredExactlyOnce() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      KafkaSettings settings = CopyTopics.create(kafka);
      send(settings, numbered(20));

      // The first producer breaks at its first commit and stays broken, like one that hit a fatal error.
      AtomicInteger created = new AtomicInteger();
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      BatchProcessor copy = batch -> batch.stream()
          .map(r -> new ProducerRecord<>("out", r.key(), r.value())).toList();
      TransactionalStage stage = new TransactionalStage("copy", "0", settings, List.of("in"), 5, copy, metrics,
          config -> {
            Producer<byte[], byte[]> real = new KafkaProducer<>(config);
            return created.incrementAndGet() == 1 ? breaksAtFirstCommit(real) : real;
          });
      Thread worker = Thread.ofPlatform().name("copy-stage").start(stage);
      try {
        List<String> seen = readCommitted(settings, "out", 20, Duration.ofSeconds(60));
        assertThat(seen).as("every input exactly once, none from the broken producer's transaction")
            .hasSize(20).doesNotHaveDuplicates();
        assertThat(worker.isAlive()).as("the stage survived its broken producer").isTrue();
        assertThat(created.get()).as("a new producer replaced the broken one").isEqualTo(2);
        assertThat(metrics.counter("ragstream.stage.producer.recreations", "stage", "copy").count()).isEqualTo(1.0);
      } finally {
        stage.close();
        worker.join(30_000);
      }
    }
  }

  /**
   * An Error in a batch (a StackOverflowError deep in a parser, an OutOfMemoryError) is not retried in place and
   * never leaves a silently dead thread: the worker stops, its stage reports the failure (a stage process exits 70),
   * and nothing of the batch is committed, so a restart reads it again. The embedder, extract and status stages run
   * on this loop.
   */
  @Test
  void anErrorInABatchStopsTheWorkerVisiblyAndCommitsNothing() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      KafkaSettings settings = CopyTopics.create(kafka);
      send(settings, numbered(5));
      AtomicInteger batches = new AtomicInteger();
      BatchProcessor overflowing = batch -> {
        batches.incrementAndGet();
        throw new StackOverflowError("injected");
      };
      TransactionalStage stage = new TransactionalStage("overflow", "0", settings, "in", 5, overflowing,
          new SimpleMeterRegistry());
      try (var worker = io.ragstream.runtime.stage.WorkerThread.start("overflow", stage)) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (worker.failure().isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(worker.failure()).as("the stage reports the Error").get()
            .isInstanceOf(StackOverflowError.class);
        assertThat(worker.notReady()).get().asString().contains("worker died");
        assertThat(batches.get()).as("not retried in place").isEqualTo(1);
      }
      assertThat(readCommitted(settings, "out", 1, Duration.ofSeconds(3))).isEmpty();
      try (Admin admin = Admin.create(settings.admin())) {
        assertThat(admin.listConsumerGroupOffsets(TransactionalStage.group(Topics.DEFAULT_PREFIX, "overflow"))
            .partitionsToOffsetAndMetadata().get()).as("no offset committed").isEmpty();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Producer<byte[], byte[]> breaksAtFirstCommit(Producer<byte[], byte[]> real) {
    AtomicBoolean broken = new AtomicBoolean();
    return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
        new Class<?>[] {Producer.class}, (proxy, method, args) -> {
          if (TRANSACTIONAL.contains(method.getName())) {
            if (broken.get()) {
              throw new KafkaException("Cannot execute transactional method because we are in an error state");
            }
            if (method.getName().equals("commitTransaction")) {
              broken.set(true);
              throw new KafkaException("injected fatal error");
            }
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
