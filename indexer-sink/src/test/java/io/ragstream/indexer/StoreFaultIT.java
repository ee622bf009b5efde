package io.ragstream.indexer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.runtime.kafka.EmbeddedKafkaExtension;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link IndexerWorker} on the in-JVM broker, writing into a real Lucene store that fails or stalls
 * mid-batch on command: the indexer retries the same batch with back-off, commits nothing meanwhile, and catches up
 * with nothing lost once the store recovers.
 */
class StoreFaultIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final int DIM = 8;
  private static final int MAX_POLL = 100;
  private static final Serializer<EmbeddedChunk> EMBEDDINGS =
      Topics.EMBEDDINGS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer();

  @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
  @TempDir Path dir;
  private static int testNumber;
  private KafkaSettings settings;
  private LuceneStore lucene;
  private FaultyStore store;
  private IndexerWorker indexer;
  private Thread thread;
  private final MeterRegistry metrics = new SimpleMeterRegistry();
  private final Map<String, String> docOfChunk = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    // one broker for the class; each test has topics and groups of its own
    settings = new KafkaSettings(KAFKA.bootstrapServers(), "fault" + (++testNumber) + ".");
    TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
        Duration.ofSeconds(60));
    lucene = LuceneStore.open(dir.resolve("index"), "g1");
    store = new FaultyStore(lucene, Duration.ofSeconds(2));
    indexer = new IndexerWorker(settings, "0", store, MAX_POLL, metrics);
    thread = Thread.ofPlatform().name("indexer-under-test").start(indexer);
  }

  @AfterEach
  void stop() throws Exception {
    if (indexer != null) {
      indexer.close();
      thread.join();
    }
    if (lucene != null) {
      lucene.close();
    }
  }

  @Test
  void aStoreThatFailsMidBatchIsRetriedWithNothingCommittedAndNothingLost() throws Exception {
    List<String> healthy = produce("healthy", 150);
    await().atMost(PATIENCE).until(() -> lucene.chunkCount() == healthy.size());

    store.mode(FaultyStore.Mode.FAIL);
    int attemptsBefore = store.attempts().size();
    List<String> during = produce("during-outage", 250);
    await().atMost(PATIENCE).until(() -> store.faults() >= 4);

    // consumption is paused: the offsets of the failing batch are not committed, and the same batch is retried
    assertThat(committedLag()).as("records not yet acknowledged by the store").isPositive();
    List<List<String>> failed = store.attempts().subList(attemptsBefore, store.attempts().size());
    assertThat(failed).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(MAX_POLL));
    assertThat(failed.get(1)).as("a retry writes the same batch again").isEqualTo(failed.get(0));
    assertThat(failed.get(2)).isEqualTo(failed.get(0));
    assertThat(metrics.counter("ragstream.indexer.store.failures", "store", "lucene").count())
        .isGreaterThanOrEqualTo(4);

    store.mode(FaultyStore.Mode.HEALTHY);
    await().atMost(PATIENCE).until(() -> lucene.chunkCount() == healthy.size() + during.size());
    await().atMost(PATIENCE).until(() -> committedLag() == 0);
    assertAllIndexed(healthy);
    assertAllIndexed(during);
    assertThat(deadLetterCount()).as("a store outage is retried, never dead-lettered").isZero();
  }

  @Test
  void aStoreThatStallsSlowsTheIndexerDownWithoutLosingOrSkippingAnything() throws Exception {
    store.mode(FaultyStore.Mode.STALL);
    List<String> ids = produce("stalled", 220);

    await().atMost(PATIENCE).until(() -> store.faults() >= 2);
    assertThat(committedLag()).isPositive();
    // what the scaling trigger reads (deploy/k8s/scaling.yaml): the backlog this worker sees, by store
    await().atMost(PATIENCE).until(() -> lagGauge() > 0);
    store.mode(FaultyStore.Mode.HEALTHY);

    await().atMost(PATIENCE).until(() -> lucene.chunkCount() == ids.size());
    await().atMost(PATIENCE).until(() -> committedLag() == 0);
    await().atMost(PATIENCE).until(() -> lagGauge() == 0);
    assertAllIndexed(ids);
    assertThat(deadLetterCount()).isZero();

    indexer.close();
    assertThat(metrics.find(IndexerWorker.LAG_METER).gauges()).as("a stopped worker reports no lag").isEmpty();
  }

  private double lagGauge() {
    return metrics.get(IndexerWorker.LAG_METER).tag("store", "lucene").gauge().value();
  }

  private void assertAllIndexed(List<String> chunkIds) throws Exception {
    Map<String, List<String>> byDoc = new HashMap<>();
    for (String id : chunkIds) {
      byDoc.computeIfAbsent(docOfChunk.get(id), d -> new ArrayList<>()).add(id);
    }
    for (var entry : byDoc.entrySet()) {
      assertThat(lucene.chunksOfDocument(entry.getKey(), "default")).extracting(c -> c.chunkId())
          .containsExactlyInAnyOrderElementsOf(entry.getValue());
    }
  }

  /** Produces {@code count} embedded chunks, ten per document, and returns their chunk ids. */
  private List<String> produce(String prefix, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer("store-fault-it"))) {
      for (int i = 0; i < count; i++) {
        String docId = prefix + "-doc-" + (i / 10);
        String text = prefix + " chunk " + i + " about lighthouses and tides";
        String chunkId = ChunkIds.chunkId(docId, "test", text);
        Chunk chunk = Chunk.newBuilder().setChunkId(chunkId).setDocId(docId).setTenant("default")
            .setDocumentVersion(1).setOrdinal(i % 10).setTitle(null).setHeadings(List.of()).setText(text)
            .setTokenCount(8).setContentHash(ChunkIds.sha256(text)).setChunkerVersion("test").setSourceName(null)
            .setMetadata(Map.of()).setIngestedAt(Instant.now()).build();
        List<Float> vector = new ArrayList<>();
        for (float v : TestChunks.vector(i, DIM)) {
          vector.add(v);
        }
        EmbeddedChunk embedded = new EmbeddedChunk(chunk, "test-model", DIM, vector);
        producer.send(new ProducerRecord<>(topic, chunkId.getBytes(StandardCharsets.UTF_8),
            EMBEDDINGS.serialize(topic, embedded))).get();
        ids.add(chunkId);
        docOfChunk.put(chunkId, docId);
      }
    }
    return ids;
  }
  /** End offsets minus the indexer group's committed offsets on the embeddings topic. */
  private long committedLag() throws Exception {
    return EmbeddingsBacklog.committedLag(settings, settings.topicPrefix() + "indexer-lucene-g1");
  }

  private long deadLetterCount() throws Exception {
    String topic = Topics.DLQ_INDEXER.name(settings.topicPrefix());
    try (Admin admin = Admin.create(settings.admin())) {
      return admin.listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest())).all().get().values()
          .stream().mapToLong(i -> i.offset()).sum();
    }
  }
}
