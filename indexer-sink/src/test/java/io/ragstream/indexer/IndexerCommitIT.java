package io.ragstream.indexer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.generation.EmbeddingsTopic;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.stage.WorkerThread;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The indexer's commit protocol on the in-JVM broker with a real Lucene store: index events travel in the same
 * Kafka transaction as the offsets, so a crash between the store write and the offset commit loses none (the batch
 * is read, written and announced again after the restart), and a rebalance during a store retry neither kills the
 * worker nor loses or double-writes a record.
 */
class IndexerCommitIT {
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final Deserializer<IndexEvent> EVENTS =
      Topics.INDEX_EVENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer();

  @TempDir static Path brokerDir;
  @TempDir Path dir;
  private static EmbeddedKafka kafka;
  private static int testNumber;
  private KafkaSettings settings;
  private LuceneStore lucene;
  private final List<WorkerThread<IndexerWorker>> workers = new ArrayList<>();

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(brokerDir, 0);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @BeforeEach
  void start() throws Exception {
    settings = new KafkaSettings(kafka.bootstrapServers(), "commit" + (++testNumber) + ".");
    TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
        Duration.ofSeconds(60));
    lucene = LuceneStore.open(dir.resolve("index"), "g1");
  }

  @AfterEach
  void stop() throws Exception {
    workers.forEach(WorkerThread::close);
    if (lucene != null) {
      lucene.close();
    }
  }

  @Test
  void aCrashBetweenTheStoreWriteAndTheOffsetCommitLosesNoIndexEvent() throws Exception {
    List<String> chunks = EmbeddingsTopic.produce(settings, "crash", 30, null); // six documents of five chunks

    // The first incarnation dies at its first commit, after the store made the batch durable: a crash there.
    AtomicInteger commits = new AtomicInteger();
    WorkerThread<IndexerWorker> first = start("0", lucene, real -> failingAt("commitTransaction", real,
        () -> commits.incrementAndGet() == 1 ? new RuntimeException("simulated crash before the offset commit")
            : null));
    await().atMost(PATIENCE).until(() -> first.failure().isPresent());
    assertThat(first.failure().get()).hasMessageContaining("simulated crash");
    assertThat(lucene.chunkCount()).as("the store write happened before the crash").isPositive();
    assertThat(committedLag(group())).as("no offset committed").isEqualTo(chunks.size());
    assertThat(readEvents(0)).as("no event of the crashed incarnation is visible").isEmpty();

    // The restarted instance (same instance id: it fences the crashed one's transaction) replays the batch.
    start("0", lucene, Function.identity());
    await().atMost(PATIENCE).until(() -> committedLag(group()) == 0);
    assertThat(lucene.chunkCount()).isEqualTo(chunks.size());
    List<IndexEvent> events = readEvents(6);
    assertThat(events).allSatisfy(e -> assertThat(e.getKind()).isEqualTo(IndexEventKind.INDEXED));
    assertThat(upsertedByDocument(events)).as("every document announced after the restart, each chunk once")
        .isEqualTo(fiveEach("crash", 6));
  }

  @Test
  void aCommitThatFailsIsAbortedAndTheBatchIsAnnouncedOnceWithoutARestart() throws Exception {
    List<String> chunks = EmbeddingsTopic.produce(settings, "retry", 20, null);
    AtomicInteger commits = new AtomicInteger();
    WorkerThread<IndexerWorker> worker = start("0", lucene, real -> failingAt("commitTransaction", real,
        () -> commits.incrementAndGet() == 1 ? new KafkaException("injected: broker went away mid-commit") : null));

    await().atMost(PATIENCE).until(() -> committedLag(group()) == 0);
    assertThat(commits.get()).as("the failed commit was retried").isGreaterThanOrEqualTo(2);
    assertThat(worker.failure()).isEmpty();
    assertThat(lucene.chunkCount()).isEqualTo(chunks.size());
    assertThat(upsertedByDocument(readEvents(4))).as("the aborted transaction's events are not visible")
        .isEqualTo(fiveEach("retry", 4));
  }

  @Test
  void aRebalanceDuringAStoreRetryLeavesEveryRecordIndexedOnceAndNoWorkerDead() throws Exception {
    List<String> chunks = EmbeddingsTopic.produce(settings, "rebalance", 300, null);
    // one store, two workers of one group: a rejoining worker writes through a store that fails mid-batch
    FaultyStore failing = new FaultyStore(lucene, Duration.ofSeconds(1));
    FaultyStore healthy = new FaultyStore(lucene, Duration.ofSeconds(1));
    failing.mode(FaultyStore.Mode.FAIL);
    // a poll larger than the topic: the first worker's pending batch spans every partition, some of which move
    WorkerThread<IndexerWorker> a = start("a", failing, Function.identity(), 1000);
    await().atMost(PATIENCE).until(() -> failing.faults() >= 2);

    // a second worker joins: the rebalance happens while the first is paused in its retry loop
    WorkerThread<IndexerWorker> b = start("b", healthy, Function.identity(), 1000);
    await().atMost(PATIENCE).until(() -> !healthy.attempts().isEmpty());
    int failedAttempts = failing.attempts().size();
    failing.mode(FaultyStore.Mode.HEALTHY);

    await().atMost(PATIENCE).until(() -> committedLag(group()) == 0);
    assertThat(a.failure()).as("the worker whose partitions moved during its retry").isEmpty();
    assertThat(b.failure()).isEmpty();
    assertThat(lucene.chunkCount()).isEqualTo(chunks.size());
    for (int d = 0; d < 60; d++) {
      String docId = "rebalance-doc-" + d;
      assertThat(lucene.chunksOfDocument(docId, "default")).as(docId).hasSize(5);
    }
    // after the rebalance no chunk was written by both workers: the revoked partitions' pending records were left
    // to their new owner instead of being written late over its writes
    Set<String> writtenByA = new HashSet<>();
    failing.attempts().subList(failedAttempts, failing.attempts().size()).forEach(writtenByA::addAll);
    Set<String> writtenByB = new HashSet<>();
    healthy.attempts().forEach(writtenByB::addAll);
    assertThat(writtenByB).isNotEmpty();
    assertThat(failing.attempts().getFirst()).as("the first worker's pending batch held records that moved to the "
        + "second: the case that used to throw on the revoked partition").containsAnyElementsOf(writtenByB);
    assertThat(writtenByA).doesNotContainAnyElementsOf(writtenByB);
    Set<String> all = new HashSet<>(writtenByA);
    all.addAll(writtenByB);
    assertThat(all).as("between them, every record").containsAll(chunks);
    assertThat(upsertedByDocument(readEvents(60))).as("each chunk announced once").isEqualTo(fiveEach("rebalance", 60));
  }

  /** Chunks upserted per document over all events: a batch announced twice would count its chunks twice. */
  private static Map<String, Integer> upsertedByDocument(List<IndexEvent> events) {
    Map<String, Integer> sums = new HashMap<>();
    events.forEach(e -> sums.merge(e.getDocId().toString(), e.getChunksUpserted(), Integer::sum));
    return sums;
  }

  private static Map<String, Integer> fiveEach(String prefix, int documents) {
    Map<String, Integer> expected = new HashMap<>();
    for (int d = 0; d < documents; d++) {
      expected.put(prefix + "-doc-" + d, 5);
    }
    return expected;
  }

  @Test
  void anErrorInTheStoreStopsTheIndexerStageVisiblyAndCommitsNothing() throws Exception {
    List<String> chunks = EmbeddingsTopic.produce(settings, "error", 10, null);
    FaultyStore store = new FaultyStore(lucene, Duration.ofSeconds(1));
    store.mode(FaultyStore.Mode.ERROR);
    try (IndexerStage stage = IndexerStage.start(IndexerConfig.defaults("0", "g1"), settings,
        new SimpleMeterRegistry(), new IndexerStage.Stores(List.of(new IndexerStage.Target("lucene",
            IndexTarget.fixed(store))), null, List.of()))) {
      await().atMost(PATIENCE).until(() -> stage.failure().isPresent());
      assertThat(stage.failure().get()).as("the stage handle reports it: a stage process exits 70")
          .isInstanceOf(StackOverflowError.class);
      assertThat(stage.notReady()).isPresent();
      assertThat(store.faults()).as("an Error is not retried in place").isEqualTo(1);
    }
    assertThat(committedLag(group())).isEqualTo(chunks.size());
    assertThat(readEvents(0)).isEmpty();
  }

  @Test
  void aChunkTheStoreRejectsIsDeadLetteredWithItsReasonAndTheRestOfTheBatchIsIndexed() throws Exception {
    String immense = "x".repeat(40_000); // a document id no Lucene term can hold
    List<String> before = EmbeddingsTopic.produce(settings, "before", 10, null);
    String rejectedChunk = produceChunk(immense, "an id nobody can index");
    List<String> after = EmbeddingsTopic.produce(settings, "after", 10, null);
    WorkerThread<IndexerWorker> worker = start("0", lucene, Function.identity());

    await().atMost(PATIENCE).until(() -> committedLag(group()) == 0);
    assertThat(worker.failure()).isEmpty();
    assertThat(lucene.chunkCount()).as("everything but the rejected chunk").isEqualTo(before.size() + after.size());
    ConsumerRecord<byte[], byte[]> letter = readDeadLetter();
    assertThat(new String(letter.key(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(rejectedChunk);
    assertThat(io.ragstream.runtime.kafka.DeadLetters.header(letter.headers(),
        io.ragstream.schemas.ErrorHeaders.REASON)).isEqualTo("store_rejected");
    assertThat(io.ragstream.runtime.kafka.DeadLetters.header(letter.headers(),
        io.ragstream.schemas.ErrorHeaders.EXCEPTION_MESSAGE)).contains("immense term");
    Map<String, Integer> announced = upsertedByDocument(readEvents(4));
    assertThat(announced).containsAllEntriesOf(fiveEach("before", 2)).containsAllEntriesOf(fiveEach("after", 2));
  }

  /** Produces one embedded chunk of {@code docId}; returns its chunk id. */
  private String produceChunk(String docId, String text) throws Exception {
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    String chunkId = io.ragstream.schemas.ChunkIds.chunkId(docId, "test", text);
    var chunk = io.ragstream.schemas.avro.Chunk.newBuilder().setChunkId(chunkId).setDocId(docId)
        .setTenant("default").setDocumentVersion(1).setOrdinal(0).setTitle(null).setHeadings(List.of())
        .setText(text).setTokenCount(6).setContentHash(io.ragstream.schemas.ChunkIds.sha256(text))
        .setChunkerVersion("test").setSourceName(null).setMetadata(Map.of())
        .setIngestedAt(java.time.Instant.now()).build();
    List<Float> vector = new ArrayList<>();
    for (float v : TestChunks.vector(1, EmbeddingsTopic.DIM)) {
      vector.add(v);
    }
    var serializer = Topics.EMBEDDINGS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer("commit-it"))) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
          chunkId.getBytes(java.nio.charset.StandardCharsets.UTF_8), serializer.serialize(topic,
              new io.ragstream.schemas.avro.EmbeddedChunk(chunk, "test-model", EmbeddingsTopic.DIM, vector)))).get();
    }
    return chunkId;
  }

  /** The first record on the indexer's dead-letter topic, as a read_committed reader sees it. */
  private ConsumerRecord<byte[], byte[]> readDeadLetter() {
    String topic = Topics.DLQ_INDEXER.name(settings.topicPrefix());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        settings.consumer("dlq-" + System.nanoTime(), "dlq-reader", 10))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          return r;
        }
      }
    }
    throw new AssertionError("no dead letter on " + topic);
  }

  private WorkerThread<IndexerWorker> start(String instance, io.ragstream.indexer.store.ChunkStore store,
      Function<Producer<byte[], byte[]>, Producer<byte[], byte[]>> wrap) {
    return start(instance, store, wrap, 50);
  }

  private WorkerThread<IndexerWorker> start(String instance, io.ragstream.indexer.store.ChunkStore store,
      Function<Producer<byte[], byte[]>, Producer<byte[], byte[]>> wrap, int maxPollRecords) {
    IndexerWorker worker = new IndexerWorker(settings, instance, "lucene", IndexTarget.fixed(store), null,
        maxPollRecords,
        new SimpleMeterRegistry(), config -> wrap.apply(new KafkaProducer<>(config)));
    WorkerThread<IndexerWorker> thread = WorkerThread.start("indexer-" + instance, worker);
    workers.add(thread);
    return thread;
  }

  private String group() {
    return IndexerWorker.group(settings.topicPrefix(), "lucene", "g1");
  }

  /** {@code real}, except that {@code method} first throws what {@code fault} returns (nothing when null). */
  @SuppressWarnings("unchecked")
  private static Producer<byte[], byte[]> failingAt(String method, Producer<byte[], byte[]> real,
      java.util.function.Supplier<RuntimeException> fault) {
    return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(),
        new Class<?>[] {Producer.class}, (proxy, m, args) -> {
          if (m.getName().equals(method)) {
            RuntimeException e = fault.get();
            if (e != null) {
              throw e;
            }
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /**
   * The index events a read_committed reader sees: at least {@code expected}, then one more quiet round so a
   * duplicate would show.
   */
  private List<IndexEvent> readEvents(int expected) {
    String topic = Topics.INDEX_EVENTS.name(settings.topicPrefix());
    List<IndexEvent> events = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        settings.consumer("events-" + System.nanoTime(), "events-reader", 500))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(expected == 0 ? 3 : 60).toNanos();
      int quiet = 0;
      while (System.nanoTime() < deadline && (events.size() < expected || quiet < 4)) {
        var records = consumer.poll(Duration.ofMillis(500));
        quiet = records.isEmpty() ? quiet + 1 : 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
          events.add(EVENTS.deserialize(topic, r.value()));
        }
      }
    }
    return events;
  }

  /** End offsets minus the group's committed offsets on the embeddings topic. */
  private long committedLag(String group) throws Exception {
    return EmbeddingsBacklog.committedLag(settings, group);
  }
}
