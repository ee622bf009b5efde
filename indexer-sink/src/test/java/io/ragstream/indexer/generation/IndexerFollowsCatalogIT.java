package io.ragstream.indexer.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
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
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IndexTarget#following}: the target the Qdrant and Elasticsearch indexers follow their aliases with, here
 * over the Lucene catalog (the one that runs without servers), with the real {@link IndexerWorker} on the in-JVM
 * broker. The worker writes the served generation, moves on a swap to the new generation's group from its handed-over
 * offsets, and closes the old generation's store (so it can be dropped); the catalog's counts read the generations
 * while the worker holds their writers.
 */
class IndexerFollowsCatalogIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final int DIM = 8;
  private static final Serializer<EmbeddedChunk> EMBEDDINGS =
      Topics.EMBEDDINGS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer();

  @TempDir Path brokerDir;
  @TempDir Path indexDir;

  @Test
  void theWorkerFollowsTheCatalogsSwapFromTheHandedOverOffsetsAndClosesTheOldGeneration() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(brokerDir, 0)) {
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), "catalog.");
      TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
          Duration.ofSeconds(60));
      LuceneGenerations generations = new LuceneGenerations(indexDir);
      IndexTarget target = IndexTarget.following(generations, "g1",
          generation -> LuceneStore.open(generations.directory(generation), generation));
      assertThat(target.current()).as("the fallback before the first swap").isEqualTo("g1");
      assertThat(generations.counts("g1")).isEqualTo(GenerationCounts.EMPTY);

      IndexerWorker indexer = new IndexerWorker(settings, "0", "lucene", target, null, 100,
          new SimpleMeterRegistry());
      Thread thread = Thread.ofPlatform().start(indexer);
      try {
        produce(settings, "a", 20);
        await().atMost(PATIENCE).until(() -> generations.counts("g1").chunks() == 20);
        assertThat(generations.counts("g1")).isEqualTo(new GenerationCounts(4, 20));

        // A replay built g2 from a snapshot ending here, and handed over at this point.
        try (LuceneStore g2 = LuceneStore.open(generations.directory("g2"), "g2")) {
          g2.write(new WriteBatch(List.of(TestChunks.chunk("replayed", "r", "default", "replayed text", 1, DIM)),
              List.of()));
          assertThat(g2.documentCount()).isEqualTo(1);
          assertThat(g2.chunkCount()).isEqualTo(1);
        }
        Map<TopicPartition, OffsetAndMetadata> handover = endOffsets(settings);
        try (Admin admin = Admin.create(settings.admin())) {
          admin.alterConsumerGroupOffsets(IndexerWorker.group("catalog.", "lucene", "g2"), handover).all().get();
        }

        generations.swap("g2");
        await().atMost(PATIENCE).until(() -> "g2".equals(indexer.generation()));
        produce(settings, "b", 10);

        await().atMost(PATIENCE).until(() -> generations.counts("g2").chunks() == 1 + 10);
        assertThat(generations.counts("g2")).as("not re-read from before the hand-over")
            .isEqualTo(new GenerationCounts(1 + 2, 1 + 10));
        // released: the worker closed g1's writer, so nothing holds its lock any more
        generations.drop("g1");
        assertThat(generations.list()).containsExactly("g2");
      } finally {
        indexer.close();
        thread.join();
      }
    }
  }

  /** Produces {@code count} embedded chunks, five per document. */
  private static void produce(KafkaSettings settings, String prefix, int count) throws Exception {
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer("catalog-it"))) {
      for (int i = 0; i < count; i++) {
        String docId = prefix + "-doc-" + (i / 5);
        String text = prefix + " chunk " + i + " about harbours";
        String chunkId = docId + "|" + i;
        Chunk chunk = Chunk.newBuilder().setChunkId(chunkId).setDocId(docId).setTenant("default")
            .setDocumentVersion(1).setOrdinal(i % 5).setTitle(null).setHeadings(List.of()).setText(text)
            .setTokenCount(6).setContentHash("h" + i).setChunkerVersion("test").setSourceName(null)
            .setMetadata(Map.of()).setIngestedAt(Instant.now()).build();
        List<Float> vector = new ArrayList<>();
        for (float v : TestChunks.vector(i, DIM)) {
          vector.add(v);
        }
        producer.send(new ProducerRecord<>(topic, chunkId.getBytes(StandardCharsets.UTF_8),
            EMBEDDINGS.serialize(topic, new EmbeddedChunk(chunk, "test-model", DIM, vector)))).get();
      }
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> endOffsets(KafkaSettings settings) throws Exception {
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < Topics.EMBEDDINGS.partitions(); p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    try (Admin admin = Admin.create(settings.admin())) {
      admin.listOffsets(latest).all().get().forEach((p, i) -> offsets.put(p, new OffsetAndMetadata(i.offset())));
    }
    return offsets;
  }
}
