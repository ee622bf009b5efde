package io.ragstream.indexer.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qdrant.client.QdrantClient;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.qdrant.QdrantContainer;

/** Against a real Qdrant. Reported as skipped where no Docker engine runs (never silently passing). */
@Testcontainers(disabledWithoutDocker = true)
class QdrantStoreIT {
  private static final int DIM = 8;
  private static final SearchFilter ACME = SearchFilter.tenant("acme");

  @Container static final QdrantContainer QDRANT = new QdrantContainer("qdrant/qdrant:v1.15.5");

  private static QdrantClient client;
  private static QdrantSettings settings;

  @BeforeAll
  static void connect() {
    settings = QdrantSettings.local(QDRANT.getHost(), QDRANT.getGrpcPort());
    client = QdrantClients.create(settings);
  }

  @AfterAll
  static void disconnect() {
    client.close();
  }

  @Test
  void upsertUpdateDeleteFilterTenantAndAliasSwap() throws Exception {
    QdrantStore g1 = QdrantStore.open(client, settings, "g1", DIM);
    g1.write(new WriteBatch(List.of(
        TestChunks.chunk("c1", "d1", "acme", "first", 1, DIM),
        TestChunks.chunk("c2", "d1", "acme", "second", 2, DIM),
        TestChunks.chunk("c3", "d2", "globex", "other tenant", 1, DIM)), List.of()));
    QdrantGenerations generations = new QdrantGenerations(client, settings);
    generations.swap("g1");
    QdrantSearcher searcher = new QdrantSearcher(client, settings);

    List<Hit> hits = searcher.vectorSearch(TestChunks.vector(1, DIM), 10, ACME);
    assertThat(ids(hits)).startsWith("c1").doesNotContain("c3");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 10,
        new SearchFilter("acme", Map.of("team", "even"), null)))).containsExactly("c2");

    // Update in place: the same chunk id is the same point.
    g1.write(new WriteBatch(List.of(TestChunks.chunk("c1", "d1", "acme", "first, edited", 1, DIM)), List.of()));
    assertThat(searcher.chunkCount()).isEqualTo(3);
    assertThat(searcher.chunksOfDocument("d1", "acme")).extracting(StoredChunk::text)
        .containsExactly("first, edited", "second");

    g1.write(new WriteBatch(List.of(), List.of("c2")));
    g1.deleteDocument("d2", "globex");
    assertThat(searcher.chunkCount()).isEqualTo(1);

    assertThatThrownBy(() -> g1.write(new WriteBatch(List.of(TestChunks.chunk("bad", "d9", "acme", "x", 1, DIM + 1),
        TestChunks.chunk("good", "d9", "acme", "y", 1, DIM)), List.of())))
        .isInstanceOfSatisfying(RejectedChunksException.class, e -> assertThat(e.reasons()).containsOnlyKeys("bad"));
    assertThat(searcher.chunkCount()).isEqualTo(2);
    assertThat(g1.chunkCount()).isEqualTo(2);
    assertThat(g1.documentCount()).as("c1 of d1, good of d9").isEqualTo(2);

    QdrantStore g2 = QdrantStore.open(client, settings, "g2", DIM);
    g2.write(new WriteBatch(List.of(TestChunks.chunk("n1", "d1", "acme", "new generation", 3, DIM)), List.of()));
    generations.swap("g2");
    assertThat(generations.current()).contains("g2");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(3, DIM), 10, ACME))).containsExactly("n1");
    assertThat(generations.counts("g2")).isEqualTo(new GenerationCounts(1, 1));
    assertThat(new QdrantSearcher(client, settings).modelId()).as("the served generation's, from the payload")
        .contains("test-model");
    assertThat(generations.counts("g9")).isEqualTo(GenerationCounts.EMPTY);

    // What `stage indexer --store qdrant+elasticsearch` writes: the generation the alias serves, at its dimension.
    IndexTarget following = IndexTarget.following(generations, "g1",
        generation -> QdrantStore.openExisting(client, settings, generation));
    assertThat(following.current()).isEqualTo("g2");
    ChunkStore served = following.open(following.current());
    assertThat(served.generation()).isEqualTo("g2");
    assertThat(served.modelId()).contains("test-model");
    following.release(served);
    assertThatThrownBy(() -> QdrantStore.openExisting(client, settings, "g9"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> generations.drop("g2")).isInstanceOf(IllegalStateException.class);
    generations.drop("g1");
    assertThat(generations.list()).containsExactly("g2");
    assertThatThrownBy(() -> QdrantStore.open(client, settings, "g2", DIM * 2))
        .isInstanceOf(IllegalStateException.class);
  }

  private static List<String> ids(List<Hit> hits) {
    return hits.stream().map(h -> h.chunk().chunkId()).toList();
  }
}
