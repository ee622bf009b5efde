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
import io.ragstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
  private static final int DIM = EmbeddingsTopic.DIM;

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
        EmbeddingsTopic.produce(settings, "a", 20, null);
        await().atMost(PATIENCE).until(() -> generations.counts("g1").chunks() == 20);
        assertThat(generations.counts("g1")).isEqualTo(new GenerationCounts(4, 20));

        // A replay built g2 from a snapshot ending here, and handed over at this point.
        try (LuceneStore g2 = LuceneStore.open(generations.directory("g2"), "g2")) {
          g2.write(new WriteBatch(List.of(TestChunks.chunk("replayed", "r", "default", "replayed text", 1, DIM)),
              List.of()));
          assertThat(g2.documentCount()).isEqualTo(1);
          assertThat(g2.chunkCount()).isEqualTo(1);
        }
        Map<TopicPartition, OffsetAndMetadata> handover = EmbeddingsTopic.endOffsets(settings);
        try (Admin admin = Admin.create(settings.admin())) {
          admin.alterConsumerGroupOffsets(IndexerWorker.group("catalog.", "lucene", "g2"), handover).all().get();
        }

        generations.swap("g2");
        await().atMost(PATIENCE).until(() -> "g2".equals(indexer.generation()));
        EmbeddingsTopic.produce(settings, "b", 10, null);

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
}
