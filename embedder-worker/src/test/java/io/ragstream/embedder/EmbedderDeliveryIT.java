package io.ragstream.embedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.runtime.kafka.BatchProcessor;
import io.ragstream.runtime.kafka.EmbeddedKafkaExtension;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Delivery on a real broker: a worker killed in the middle of a batch and a worker stopped while another shares
 * its partitions lose no chunk and duplicate none in the read_committed embeddings topic (what the indexer reads).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbedderDeliveryIT {
  private static final String MODEL = "all-minilm-l6-v2-q";
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
  private KafkaSettings settings;
  private int run;

  /** Each test gets its own topics (a fresh prefix), so their records and groups never mix. */
  @BeforeEach
  void freshTopics() {
    // a stuck worker leaves the group after 10 s without polling, instead of the default 5 minutes
    settings = new KafkaSettings(KAFKA.bootstrapServers(), "t" + (++run) + ".",
        Map.of(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "10000"));
    TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
        Duration.ofSeconds(30));
  }

  @Test
  void aWorkerKilledMidBatchLosesAndDuplicatesNothing() throws Exception {
    int total = 120;
    produceChunks(total);
    CountDownLatch killed = new CountDownLatch(1);
    AtomicInteger batches = new AtomicInteger();
    MeterRegistry metrics = new SimpleMeterRegistry();
    EmbedderConfig config = EmbedderConfig.defaults();
    try (var model = io.ragstream.embedding.EmbeddingModels.load(MODEL, config.onnx());
        BatchEmbedder embedder = new BatchEmbedder(model, config, new EmbedderMetrics(metrics, MODEL))) {
      EmbedBatchProcessor real = new EmbedBatchProcessor(embedder, EmbeddingCache.disabled(), settings.topicPrefix(),
          settings.serdes(), embedder.metrics());
      // the second batch hangs after half of its records went into the open transaction: a process frozen or
      // killed between send and commit
      BatchProcessor dying = batch -> {
        List<ProducerRecord<byte[], byte[]>> out = real.process(batch);
        return batches.incrementAndGet() == 2 ? new DiesHalfway<>(out, killed) : out;
      };
      TransactionalStage zombie = new TransactionalStage(EmbedderWorker.STAGE, "0", settings,
          Topics.CHUNKS.name(settings.topicPrefix()), 32, dying, metrics);
      Thread zombieThread = Thread.ofPlatform().name("zombie").unstarted(zombie);
      zombieThread.setUncaughtExceptionHandler((t, e) -> { }); // its death is the point of the test
      zombieThread.start();
      await().atMost(PATIENCE).until(() -> killed.getCount() == 0 || batches.get() >= 2);

      // the replacement reuses the instance id, as a restarted pod does: it fences the zombie's transaction
      try (EmbedderWorker replacement = EmbedderWorker.create(settings, "0", MODEL, config, null,
          new SimpleMeterRegistry())) {
        Thread.ofPlatform().start(replacement);
        List<String> keys = readCommittedKeys(total);
        assertThat(keys).hasSize(total).doesNotHaveDuplicates();
      } finally {
        killed.countDown();
        zombieThread.join(Duration.ofSeconds(30).toMillis());
      }
    }
  }

  @Test
  void twoWorkersShareThePartitionsAndStoppingOneHalfwayLosesNothing() throws Exception {
    int total = 300;
    MeterRegistry first = new SimpleMeterRegistry();
    MeterRegistry second = new SimpleMeterRegistry();
    EmbedderConfig config = EmbedderConfig.defaults().withParallelism(1);
    try (EmbedderWorker a = EmbedderWorker.create(settings, "0", MODEL, config, null, first);
        EmbedderWorker b = EmbedderWorker.create(settings, "1", MODEL, config, null, second)) {
      Thread.ofPlatform().start(a);
      Thread.ofPlatform().start(b);
      awaitGroupMembers(2);
      produceChunks(total);

      await().atMost(PATIENCE).until(() -> embedded(second) > 0 && embedded(first) + embedded(second) >= total / 2);
      b.close(); // finishes or aborts its batch; its partitions move to the first worker

      List<String> keys = readCommittedKeys(total);
      assertThat(keys).hasSize(total).doesNotHaveDuplicates();
      assertThat(embedded(first)).as("chunks embedded by the worker that stayed").isPositive();
    }
  }

  /**
   * An Error while embedding (here a StackOverflowError from the cache lookup; an OutOfMemoryError in the model would
   * take the same path) stops the embedder's worker visibly, the stage's failure, instead of being retried in place
   * or leaving a dead thread behind a healthy-looking stage; nothing of the batch is committed.
   */
  @Test
  void anErrorWhileEmbeddingStopsTheWorkerVisiblyAndCommitsNothing() throws Exception {
    produceChunks(10);
    AtomicInteger lookups = new AtomicInteger();
    EmbeddingCache overflowing = new EmbeddingCache() {
      @Override
      public Map<String, float[]> getAll(List<String> contentHashes) {
        lookups.incrementAndGet();
        throw new StackOverflowError("injected");
      }

      @Override
      public void putAll(Map<String, float[]> vectors) {}

      @Override
      public int size() {
        return 0;
      }

      @Override
      public void close() {}
    };
    EmbedderConfig config = EmbedderConfig.defaults();
    MeterRegistry metrics = new SimpleMeterRegistry();
    try (var model = io.ragstream.embedding.EmbeddingModels.load(MODEL, config.onnx());
        BatchEmbedder embedder = new BatchEmbedder(model, config, new EmbedderMetrics(metrics, MODEL))) {
      TransactionalStage stage = new TransactionalStage(EmbedderWorker.STAGE, "0", settings,
          Topics.CHUNKS.name(settings.topicPrefix()), 32, new EmbedBatchProcessor(embedder, overflowing,
              settings.topicPrefix(), settings.serdes(), embedder.metrics()), metrics);
      try (var worker = io.ragstream.runtime.stage.WorkerThread.start(EmbedderWorker.STAGE, stage)) {
        await().atMost(PATIENCE).until(() -> worker.failure().isPresent());
        assertThat(worker.failure().get()).isInstanceOf(StackOverflowError.class);
        assertThat(worker.notReady()).isPresent();
        assertThat(lookups.get()).as("not retried in place").isEqualTo(1);
      }
    }
    assertThat(readCommittedKeys(0)).as("nothing of the batch committed").isEmpty();
  }

  private void produceChunks(int count) throws Exception {
    String topic = Topics.CHUNKS.name(settings.topicPrefix());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer("it-chunks"))) {
      for (int i = 0; i < count; i++) {
        producer.send(new ProducerRecord<>(topic, Chunks.key(i), Chunks.value(i, "chunk " + i + " on "
            + Chunks.words(10 + i % 30)))).get();
      }
    }
  }

  private void awaitGroupMembers(int members) {
    try (Admin admin = Admin.create(settings.admin())) {
      String group = settings.topicPrefix() + EmbedderWorker.STAGE;
      await().atMost(PATIENCE).ignoreExceptions().until(() -> admin.describeConsumerGroups(List.of(group)).all().get().get(group)
          .members().size() == members);
    }
  }

  /** Every key in the embeddings topic as a read_committed consumer sees it, once {@code expected} arrived. */
  private List<String> readCommittedKeys(int expected) {
    List<String> keys = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.consumer("it-reader-" + run,
        "it-reader", 500))) {
      consumer.subscribe(List.of(Topics.EMBEDDINGS.name(settings.topicPrefix())));
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (keys.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
      }
      // anything a zombie might still commit late would show up now as a duplicate
      long settle = System.nanoTime() + Duration.ofSeconds(3).toNanos();
      while (System.nanoTime() < settle) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
      }
    }
    return keys;
  }

  private static double embedded(MeterRegistry metrics) {
    var counter = metrics.find("ragstream.embedder.chunks.embedded").counter();
    return counter == null ? 0 : counter.count();
  }

  /** A batch's output whose iteration stops halfway until the latch opens, then dies like a killed process. */
  private static final class DiesHalfway<T> extends AbstractList<T> {
    private final List<T> out;
    private final CountDownLatch killed;

    DiesHalfway(List<T> out, CountDownLatch killed) {
      this.out = out;
      this.killed = killed;
    }

    @Override
    public T get(int index) {
      if (index == out.size() / 2) {
        try {
          killed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new SimulatedCrash();
      }
      return out.get(index);
    }

    @Override
    public int size() {
      return out.size();
    }
  }

  /** An Error, so the stage's retry logic (which handles Exceptions) cannot save the batch: the worker is gone. */
  private static final class SimulatedCrash extends Error {
    SimulatedCrash() {
      super("simulated crash in the middle of a batch");
    }
  }
}
