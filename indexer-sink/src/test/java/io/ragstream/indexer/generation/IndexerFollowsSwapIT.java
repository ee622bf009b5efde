package io.ragstream.indexer.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.ModelMismatchException;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link IndexerWorker} on the in-JVM broker following a swap of the Lucene {@code CURRENT} pointer: it
 * leaves the old generation's group, continues in the new one's from the offsets handed over for it (not from the
 * beginning, not from where it was), re-embeds with the new generation's model, and lets go of the old generation.
 */
class IndexerFollowsSwapIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final int DIM = EmbeddingsTopic.DIM;

  @TempDir Path brokerDir;
  @TempDir Path indexDir;

  @Test
  void theIndexerMovesToTheSwappedGenerationFromItsHandedOverOffsetsWithTheGenerationsModel() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(brokerDir, 0)) {
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), "follow.");
      TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
          Duration.ofSeconds(60));
      LuceneGenerations generations = new LuceneGenerations(indexDir);
      AtomicInteger reembedded = new AtomicInteger();
      try (LuceneWriters writers = new LuceneWriters(generations)) {
        IndexerWorker indexer = new IndexerWorker(settings, "0", "lucene", writers.followingPointer("g1"),
            (model, texts) -> {
              assertThat(model).isEqualTo("model-b");
              reembedded.addAndGet(texts.size());
              return texts.stream().map(t -> TestChunks.vector(Math.floorMod(t.hashCode(), DIM), DIM))
                  .toArray(float[][]::new);
            }, 100, new SimpleMeterRegistry());
        Thread thread = Thread.ofPlatform().start(indexer);
        try (GenerationSwitchingSearcher searcher = GenerationSwitchingSearcher.open(writers, "g1", Duration.ZERO)) {
          List<String> a = EmbeddingsTopic.produce(settings, "a", 20, null);
          await().atMost(PATIENCE).until(() -> count(writers, "g1") == 20);

          // A replay built g2 with model-b from a snapshot that ends after batch a, and handed over there.
          try (LuceneStore g2 = LuceneStore.open(generations.directory("g2"), "g2")) {
            g2.write(new WriteBatch(List.of(new StoredChunk("replayed-1", "r", "default", 1, 0, "t", List.of(),
                "replayed text", null, Map.of(), "model-b", TestChunks.vector(3, DIM), 1L)), List.of()));
          }
          Map<TopicPartition, OffsetAndMetadata> handover = EmbeddingsTopic.endOffsets(settings);
          // after the snapshot, before the swap: lands in g1
          List<String> b = EmbeddingsTopic.produce(settings, "b", 10, null);
          await().atMost(PATIENCE).until(() -> count(writers, "g1") == 30);
          try (Admin admin = Admin.create(settings.admin())) {
            admin.alterConsumerGroupOffsets(IndexerWorker.group("follow.", "lucene", "g2"), handover).all().get();
          }

          generations.swap("g2");
          await().atMost(PATIENCE).until(() -> "g2".equals(indexer.generation()));
          // and a tombstone of b's first chunk
          List<String> c = EmbeddingsTopic.produce(settings, "c", 10, b.getFirst());

          // The tombstone may be on another partition than c's last chunks: 1 + 10 + 9 is also twenty chunks, so
          // wait for the tombstone itself too.
          await().atMost(PATIENCE).until(() -> count(writers, "g2") == 1 + 9 + 10
              && !chunkIds(writers, "g2", docOf(b.getFirst())).contains(b.getFirst()));
          searcher.switchNow();
          assertThat(searcher.currentGeneration()).isEqualTo("g2");
          assertThat(searcher.modelId()).contains("model-b");
          for (String id : b.subList(1, b.size())) {
            assertThat(searcher.chunksOfDocument(docOf(id), "default")).extracting(StoredChunk::chunkId).contains(id);
          }
          assertThat(searcher.chunksOfDocument("a-doc-0", "default")).as("before the hand-over: not re-read")
              .isEmpty();
          assertThat(searcher.chunksOfDocument(docOf(b.getFirst()), "default")).extracting(StoredChunk::chunkId)
              .doesNotContain(b.getFirst());
          assertThat(reembedded.get()).as("b and c re-embedded with g2's model").isEqualTo(b.size() + c.size());
          assertThatThrownBy(() -> searcher.vectorSearch("test-model", TestChunks.vector(1, DIM), 3,
              SearchFilter.tenant("default"))).isInstanceOf(ModelMismatchException.class);
          assertThat(searcher.vectorSearch("model-b", TestChunks.vector(3, DIM), 3, SearchFilter.tenant("default")))
              .isNotEmpty();

          // Nothing here writes or serves g1 any more: its writer is closed, so it can be dropped while running.
          generations.drop("g1");
          assertThat(generations.list()).containsExactly("g2");
          assertThat(a).hasSize(20);
        } finally {
          indexer.close();
          thread.join();
        }
      }
    }
  }

  private static long count(LuceneWriters writers, String generation) throws Exception {
    return read(writers, generation, -1L, LuceneStore::chunkCount);
  }

  private static List<String> chunkIds(LuceneWriters writers, String generation, String docId) throws Exception {
    return read(writers, generation, List.of(),
        store -> store.chunksOfDocument(docId, "default").stream().map(StoredChunk::chunkId).toList());
  }

  /** Reads the generation's open store under a lease; {@code whenClosed} if its writer is not open. */
  private static <T> T read(LuceneWriters writers, String generation, T whenClosed, StoreRead<T> read)
      throws Exception {
    var lease = writers.acquireIfOpen(generation);
    if (lease.isEmpty()) {
      return whenClosed;
    }
    try (var held = lease.get()) {
      return read.apply(held.store());
    }
  }

  @FunctionalInterface
  private interface StoreRead<T> {
    T apply(LuceneStore store) throws IOException;
  }

  private static String docOf(String chunkId) {
    return chunkId.substring(0, chunkId.indexOf('|'));
  }
}
