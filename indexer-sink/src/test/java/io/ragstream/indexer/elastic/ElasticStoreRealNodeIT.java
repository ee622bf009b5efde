package io.ragstream.indexer.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.generation.EmbeddingsTopic;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.store.ModelMismatchException;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.Topics;
import io.ragstream.servers.ElasticsearchNodeExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Elasticsearch store and searcher against a real Elasticsearch 9.2.0 node: the core-only distribution from
 * Maven Central, run as a local process (no Docker). Each test uses an alias of its own on the class's one node.
 * Covers {@code --store elasticsearch} (keywords and vectors in one index), the keyword side of
 * {@code qdrant+elasticsearch}, generations, document deletes without {@code _delete_by_query}, and the indexer worker
 * writing from the in-JVM Kafka broker.
 */
class ElasticStoreRealNodeIT {
  @RegisterExtension static final ElasticsearchNodeExtension ES = new ElasticsearchNodeExtension();

  private static final int DIM = 4;
  private static final SearchFilter ACME = SearchFilter.tenant("acme");
  private static ElasticsearchClient client;

  @BeforeAll
  static void connect() {
    client = ElasticClients.create(ElasticSettings.local(ES.urlString()));
  }

  @AfterAll
  static void disconnect() throws Exception {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void keywordsAndVectorsLiveInOneIndexWithTenancyFiltersUpdatesAndDeletes() throws Exception {
    ElasticSettings settings = settings("crud");
    ElasticStore g1 = ElasticStore.openWithVectors(client, settings, "g1", DIM);
    assertThat(g1.dimension()).isEqualTo(DIM);
    assertThat(g1.modelId()).as("no vector yet").isEmpty();
    g1.write(new WriteBatch(List.of(
        TestChunks.chunk("c1", "d1", "acme", "Consumers commit offsets after the batch is durable", 1, DIM),
        TestChunks.chunk("c2", "d1", "acme", "Producers batch records by partition", 2, DIM),
        TestChunks.chunk("c3", "d2", "globex", "Consumers commit offsets too", 3, DIM)), List.of()));
    new ElasticGenerations(client, settings).swap("g1");
    ElasticSearcher searcher = new ElasticSearcher(client, settings);

    // keywords: BM25 with the standard analyzer (lower-cased words, no stemming), tenant always applied
    assertThat(ids(searcher.keywordSearch("commit offsets", 10, ACME))).containsExactly("c1");
    assertThat(ids(searcher.keywordSearch("consumers", 10, SearchFilter.tenant("globex")))).containsExactly("c3");
    assertThat(ids(searcher.keywordSearch("batch", 10, ACME))).containsExactlyInAnyOrder("c1", "c2");
    assertThat(ids(searcher.keywordSearch("batch", 10, new SearchFilter("acme", Map.of("team", "even"), null))))
        .containsExactly("c2");
    assertThat(ids(searcher.keywordSearch("batch", 10, new SearchFilter("acme", Map.of(), "d2")))).isEmpty();

    // vectors: kNN with the filter inside, nearest first, cosine scores as Lucene's (1 + cos) / 2
    var nearest = searcher.vectorSearch(TestChunks.vector(1, DIM), 10, ACME);
    assertThat(ids(nearest)).containsExactly("c1", "c2");
    assertThat(nearest.getFirst().score()).isCloseTo(1f, org.assertj.core.api.Assertions.within(0.01f));
    assertThat(nearest.getFirst().chunk().vector()).as("results never carry the vector").isNull();
    assertThat(nearest.getFirst().chunk().text()).isEqualTo("Consumers commit offsets after the batch is durable");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 10, SearchFilter.tenant("globex"))))
        .containsExactly("c3");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 10,
        new SearchFilter("acme", Map.of("team", "even"), null)))).containsExactly("c2");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 1, ACME))).containsExactly("c1");

    // the model of the vectors, for re-embedding and for refusing another model's query vector
    assertThat(g1.modelId()).contains("test-model");
    assertThat(searcher.modelId()).contains("test-model");
    assertThatThrownBy(() -> searcher.vectorSearch("other-model", TestChunks.vector(1, DIM), 5, ACME))
        .isInstanceOf(ModelMismatchException.class);

    // update and delete through the batch
    g1.write(new WriteBatch(List.of(TestChunks.chunk("c1", "d1", "acme", "edited text about zebras", 2, DIM)),
        List.of("c2", "never-written")));
    assertThat(searcher.chunksOfDocument("d1", "acme")).extracting(StoredChunk::text)
        .containsExactly("edited text about zebras");
    assertThat(ids(searcher.keywordSearch("zebras", 10, ACME))).containsExactly("c1");
    assertThat(ids(searcher.keywordSearch("commit", 10, ACME))).as("the old text is gone").isEmpty();
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(2, DIM), 1, ACME))).as("the new vector").contains("c1");

    // bad vectors are refused for good, by chunk, and the rest of the batch is written
    StoredChunk good = TestChunks.chunk("c4", "d4", "acme", "a good chunk", 1, DIM);
    StoredChunk wrongDimension = TestChunks.chunk("c5", "d4", "acme", "a short vector", 1, DIM + 1);
    StoredChunk zero = withVector(TestChunks.chunk("c6", "d4", "acme", "a zero vector", 1, DIM), new float[DIM]);
    StoredChunk none = withVector(TestChunks.chunk("c7", "d4", "acme", "no vector", 1, DIM), null);
    assertThatThrownBy(() -> g1.write(new WriteBatch(List.of(good, wrongDimension, zero, none), List.of())))
        .isInstanceOfSatisfying(RejectedChunksException.class, e -> assertThat(e.reasons())
            .containsOnlyKeys("c5", "c6", "c7"));
    assertThat(searcher.chunksOfDocument("d4", "acme")).extracting(StoredChunk::chunkId).containsExactly("c4");

    // a whole document, by tenant: the other tenant's document of the same id is untouched
    g1.write(new WriteBatch(List.of(TestChunks.chunk("c8", "d2", "acme", "acme's own d2", 1, DIM)), List.of()));
    assertThat(g1.deleteDocument("d2", "globex")).isEqualTo(1);
    assertThat(searcher.chunksOfDocument("d2", "globex")).isEmpty();
    assertThat(searcher.chunksOfDocument("d2", "acme")).extracting(StoredChunk::chunkId).containsExactly("c8");
    assertThat(g1.deleteDocument("d2", "globex")).as("nothing left to delete").isZero();
    assertThat(g1.chunkCount()).isEqualTo(3); // c1, c4, c8
    assertThat(g1.documentCount()).isEqualTo(3); // d1, d4, d2 (acme)
    assertThat(searcher.chunkCount()).isEqualTo(3);
  }

  @Test
  void aBulkItemWithAnImmenseTermIsRejectedAloneWithElasticsearchsReasonAndTheRestIsIndexed() throws Exception {
    ElasticSettings settings = settings("immense");
    ElasticStore store = ElasticStore.openWithVectors(client, settings, "g1", DIM);
    String immense = "x".repeat(40_000); // over Lucene's 32766-byte term limit, inside Elasticsearch too
    StoredChunk hugeMeta = TestChunks.chunk("huge-meta", "d1", "acme", "a value nobody can index", 2, DIM);
    hugeMeta = new StoredChunk(hugeMeta.chunkId(), hugeMeta.docId(), hugeMeta.tenant(), hugeMeta.documentVersion(),
        hugeMeta.ordinal(), hugeMeta.title(), hugeMeta.headings(), hugeMeta.text(), hugeMeta.sourceName(),
        java.util.Map.of("team", immense), hugeMeta.modelId(), hugeMeta.vector(), hugeMeta.ingestedAt());
    WriteBatch batch = new WriteBatch(List.of(TestChunks.chunk("before", "d1", "acme", "lighthouse keepers", 0, DIM),
        TestChunks.chunk("huge-id", immense, "acme", "an id nobody can index", 1, DIM), hugeMeta,
        TestChunks.chunk("after", "d1", "acme", "tide tables", 3, DIM)), List.of());

    assertThatThrownBy(() -> store.write(batch)).isInstanceOfSatisfying(
        io.ragstream.indexer.store.RejectedChunksException.class, e -> {
          assertThat(e.reasons()).containsOnlyKeys("huge-id", "huge-meta");
          // Elasticsearch names the field; the immense term is the cause it wraps
          assertThat(e.reasons().get("huge-id")).startsWith("400 document_parsing_exception").contains("[docId]");
          assertThat(e.reasons().get("huge-meta")).startsWith("400 document_parsing_exception")
              .contains("[metadata]");
        });
    var searcher = new ElasticSearcher(client, store.index());
    assertThat(searcher.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId)
        .containsExactlyInAnyOrder("before", "after");
    assertThat(store.chunkCount()).isEqualTo(2);
  }

  @Test
  void aDocumentDeletePagesThroughItsChunksAndKeepsAChunkWrittenAgainSinceItWasSeen() throws Exception {
    ElasticSettings settings = settings("deletes");
    ElasticStore store = ElasticStore.openWithVectors(client, settings, "g1", DIM);
    int many = ElasticStore.DELETE_PAGE * 2 + 345;
    List<StoredChunk> chunks = new ArrayList<>();
    for (int i = 0; i < many; i++) {
      chunks.add(TestChunks.chunk(String.format("big-%05d", i), "big", "acme", "chunk " + i, i, DIM));
    }
    chunks.add(TestChunks.chunk("small-1", "small", "acme", "another document", 1, DIM));
    for (int from = 0; from < chunks.size(); from += 1_000) {
      store.write(new WriteBatch(chunks.subList(from, Math.min(chunks.size(), from + 1_000)), List.of()));
    }
    assertThat(store.chunkCount()).isEqualTo(many + 1);

    assertThat(store.deleteDocument("big", "acme")).isEqualTo(many);
    assertThat(store.chunkCount()).isEqualTo(1);
    assertThat(store.documentCount()).isEqualTo(1);

    // The race a delete can meet: a chunk is written again between the search that saw it and the bulk delete.
    store.write(new WriteBatch(List.of(TestChunks.chunk("r1", "racy", "acme", "first version", 1, DIM),
        TestChunks.chunk("r2", "racy", "acme", "stays as seen", 2, DIM)), List.of()));
    SearchResponse<Void> seenPage = client.search(
        ElasticRequests.documentChunkIds(store.index(), "racy", "acme", 10, null), Void.class);
    List<ElasticRequests.SeenChunk> seen = new ArrayList<>();
    for (Hit<Void> hit : seenPage.hits().hits()) {
      seen.add(new ElasticRequests.SeenChunk(hit.id(), hit.seqNo(), hit.primaryTerm()));
    }
    assertThat(seen).extracting(ElasticRequests.SeenChunk::id).containsExactly("r1", "r2");
    store.write(new WriteBatch(List.of(TestChunks.chunk("r1", "racy", "acme", "second version", 1, DIM)),
        List.of()));
    var searcher = new ElasticSearcher(client, store.index());
    assertThat(store.deleteSeen(seen)).as("only the chunk still as seen").isEqualTo(1);
    assertThat(searcher.chunksOfDocument("racy", "acme")).extracting(StoredChunk::text)
        .containsExactly("second version");
  }

  @Test
  void generationsAreIndicesBehindOneAliasThatSearchesAndTheFollowingIndexerMoveWith() throws Exception {
    ElasticSettings settings = settings("generations");
    ElasticGenerations generations = new ElasticGenerations(client, settings);
    assertThat(generations.current()).isEmpty();
    ElasticStore g1 = ElasticStore.openWithVectors(client, settings, "g1", DIM);
    g1.write(new WriteBatch(List.of(TestChunks.chunk("a", "d1", "acme", "old generation text", 1, DIM),
        TestChunks.chunk("b", "d2", "acme", "old generation more", 2, DIM)), List.of()));
    generations.swap("g1");
    ElasticSearcher searcher = new ElasticSearcher(client, settings);
    assertThat(searcher.chunkCount()).isEqualTo(2);

    // g2 holds another model's vectors, of another dimension: the index keeps the dimension it was created with
    int otherDim = DIM * 2;
    ElasticStore g2 = ElasticStore.openWithVectors(client, settings, "g2", otherDim);
    assertThat(ElasticStore.openWithVectors(client, settings, "g2", DIM).dimension()).isEqualTo(otherDim);
    g2.write(new WriteBatch(List.of(withModel(TestChunks.chunk("n", "d1", "acme", "new generation text", 3,
        otherDim), "bigger-model")), List.of()));
    assertThat(generations.list()).containsExactly("g1", "g2");
    assertThat(generations.counts("g1")).isEqualTo(new GenerationCounts(2, 2));
    assertThat(generations.counts("g2")).isEqualTo(new GenerationCounts(1, 1));
    assertThat(generations.counts("g9")).isEqualTo(GenerationCounts.EMPTY);
    assertThat(ids(searcher.keywordSearch("generation", 10, ACME))).as("still g1").containsExactlyInAnyOrder("a",
        "b");

    generations.swap("g2");
    assertThat(generations.current()).contains("g2");
    assertThat(ids(searcher.keywordSearch("generation", 10, ACME))).containsExactly("n");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(3, otherDim), 5, ACME))).containsExactly("n");
    await().atMost(Duration.ofSeconds(10)).until(() -> searcher.modelId().equals(java.util.Optional.of(
        "bigger-model")));
    IndexTarget following = IndexTarget.following(generations, "g1",
        generation -> ElasticStore.openWithVectors(client, settings, generation, DIM));
    assertThat(following.current()).isEqualTo("g2");
    assertThat(following.open("g2").modelId()).contains("bigger-model");

    assertThatThrownBy(() -> generations.drop("g2")).isInstanceOf(IllegalStateException.class);
    generations.drop("g1");
    assertThat(generations.list()).containsExactly("g2");
  }

  @Test
  void theKeywordsOnlyIndexOfQdrantPlusElasticsearchRunsOnTheSameNodeAndIsNeverMistakenForAVectorIndex()
      throws Exception {
    ElasticSettings settings = settings("keywords");
    ElasticStore keywords = ElasticStore.open(client, settings, "g1");
    assertThat(keywords.dimension()).isZero();
    keywords.write(new WriteBatch(List.of(
        TestChunks.chunk("k1", "d1", "acme", "Kafka keeps order per key", 1, DIM),
        withVector(TestChunks.chunk("k2", "d2", "acme", "keys decide the partition", 2, DIM), null)), List.of()));
    assertThat(keywords.modelId()).as("any model: the vectors are Qdrant's").isEmpty();
    new ElasticGenerations(client, settings).swap("g1");
    ElasticSearcher searcher = new ElasticSearcher(client, settings);
    assertThat(ids(searcher.keywordSearch("order per key", 10, ACME))).first().isEqualTo("k1");
    assertThat(keywords.deleteDocument("d2", "acme")).isEqualTo(1);
    assertThat(searcher.chunkCount()).isEqualTo(1);
    assertThat(searcher.vectorSearch(TestChunks.vector(1, DIM), 5, ACME)).as("no vectors here to find").isEmpty();
    assertThat(searcher.modelId()).isEmpty();
    assertThatThrownBy(() -> ElasticStore.openWithVectors(client, settings, "g1", DIM))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("keywords only");
  }

  @Test
  void anAnalyzerTheCoreDistributionLacksIsRefusedWhenTheIndexIsCreated() {
    ElasticSettings english = settings("english").withAnalyzer("english");
    // core-only: english is in the analysis-common module; a full Elasticsearch accepts it
    assertThatThrownBy(() -> ElasticStore.openWithVectors(client, english, "g1", DIM))
        .isInstanceOf(ElasticsearchException.class).hasMessageContaining("english");
  }

  @Test
  void theIndexerWorkerWritesEmbeddingsFromKafkaIntoTheServedGeneration(@TempDir Path brokerDir) throws Exception {
    ElasticSettings settings = settings("worker");
    ElasticGenerations generations = new ElasticGenerations(client, settings);
    ElasticStore.openWithVectors(client, settings, "g1", EmbeddingsTopic.DIM).close();
    generations.swap("g1");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(brokerDir, 0)) {
      KafkaSettings kafkaSettings = new KafkaSettings(kafka.bootstrapServers(), "es.");
      TopicAdmin.ensureTopics(kafkaSettings.bootstrap(), kafkaSettings.topicPrefix(), (short) 1, Topics.ALL,
          Duration.ofSeconds(60));
      IndexTarget target = IndexTarget.following(generations, "g1",
          generation -> ElasticStore.openWithVectors(client, settings, generation, EmbeddingsTopic.DIM));
      IndexerWorker indexer = new IndexerWorker(kafkaSettings, "0", "elasticsearch", target, null, 100,
          new SimpleMeterRegistry());
      Thread thread = Thread.ofPlatform().start(indexer);
      try {
        List<String> ids = EmbeddingsTopic.produce(kafkaSettings, "a", 20, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> generations.counts("g1").chunks() == 20);
        assertThat(generations.counts("g1")).isEqualTo(new GenerationCounts(4, 20));

        // a tombstone deletes the chunk; the rest stays searchable by keywords and by vectors
        EmbeddingsTopic.produce(kafkaSettings, "b", 0, ids.getFirst());
        await().atMost(Duration.ofSeconds(60)).until(() -> generations.counts("g1").chunks() == 19);
        ElasticSearcher searcher = new ElasticSearcher(client, settings);
        SearchFilter tenant = SearchFilter.tenant("default");
        assertThat(searcher.keywordSearch("lighthouses", 50, tenant)).hasSize(19)
            .noneMatch(h -> h.chunk().chunkId().equals(ids.getFirst()));
        assertThat(ids(searcher.vectorSearch(TestChunks.vector(7, EmbeddingsTopic.DIM), 1, tenant)))
            .containsExactly(ids.get(7));
        assertThat(searcher.modelId()).contains("test-model");
      } finally {
        indexer.close();
        thread.join();
      }
    }
  }

  @Test
  void documentAclsArePreFiltersInsideKeywordAndVectorRetrieval() throws Exception {
    ElasticSettings settings = settings("acl");
    ElasticStore store = ElasticStore.openWithVectors(client, settings, "g1", DIM);
    store.write(new WriteBatch(List.of(
        withAcl(TestChunks.chunk("eng", "d-eng", "acme", "The roadmap for the storage engine", 1, DIM), "group:eng"),
        withAcl(TestChunks.chunk("sales", "d-sales", "acme", "The roadmap for the sales quarter", 2, DIM),
            "group:sales", "user:ann"),
        TestChunks.chunk("public", "d-public", "acme", "The roadmap for the cafeteria menu", 3, DIM)), List.of()));
    new ElasticGenerations(client, settings).swap("g1");
    ElasticSearcher searcher = new ElasticSearcher(client, settings);
    SearchFilter eng = ACME.withPrincipals(List.of("group:eng"));
    SearchFilter ann = ACME.withPrincipals(List.of("user:ann"));
    SearchFilter nobody = ACME.withPrincipals(List.of());

    assertThat(ids(searcher.keywordSearch("roadmap", 10, eng))).containsExactlyInAnyOrder("eng", "public");
    assertThat(ids(searcher.keywordSearch("roadmap", 10, ann))).containsExactlyInAnyOrder("sales", "public");
    assertThat(ids(searcher.keywordSearch("roadmap", 10, nobody))).containsExactly("public");
    assertThat(ids(searcher.keywordSearch("roadmap", 10, ACME))).as("unrestricted (open mode)")
        .containsExactlyInAnyOrder("eng", "sales", "public");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 10, ann))).containsExactlyInAnyOrder("sales",
        "public");
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 10, nobody))).containsExactly("public");
    // a pre-filter, not a post-filter: the nearest chunk is hidden, yet k results come back
    assertThat(ids(searcher.vectorSearch(TestChunks.vector(1, DIM), 2, ann))).hasSize(2).doesNotContain("eng");

    // an ACL-only change is a rewrite of the same chunk id: visible to its new principals, gone for the old ones
    store.write(new WriteBatch(List.of(withAcl(TestChunks.chunk("eng", "d-eng", "acme",
        "The roadmap for the storage engine", 1, DIM), "group:sales")), List.of()));
    assertThat(ids(searcher.keywordSearch("storage roadmap", 10, eng))).doesNotContain("eng");
    assertThat(ids(searcher.keywordSearch("storage roadmap", 10, ACME.withPrincipals(List.of("group:sales")))))
        .contains("eng");
  }

  private static StoredChunk withAcl(StoredChunk c, String... principals) {
    return new StoredChunk(c.chunkId(), c.docId(), c.tenant(), c.documentVersion(), c.ordinal(), c.title(),
        c.headings(), c.text(), c.sourceName(), c.metadata(), c.modelId(), c.vector(), c.ingestedAt(),
        List.of(principals));
  }

  private static ElasticSettings settings(String alias) {
    return ElasticSettings.local(ES.urlString()).withAlias(alias);
  }

  private static List<String> ids(List<io.ragstream.indexer.store.Hit> hits) {
    return hits.stream().map(h -> h.chunk().chunkId()).toList();
  }

  private static StoredChunk withVector(StoredChunk c, float[] vector) {
    return new StoredChunk(c.chunkId(), c.docId(), c.tenant(), c.documentVersion(), c.ordinal(), c.title(),
        c.headings(), c.text(), c.sourceName(), c.metadata(), c.modelId(), vector, c.ingestedAt());
  }

  private static StoredChunk withModel(StoredChunk c, String model) {
    return new StoredChunk(c.chunkId(), c.docId(), c.tenant(), c.documentVersion(), c.ordinal(), c.title(),
        c.headings(), c.text(), c.sourceName(), c.metadata(), model, c.vector(), c.ingestedAt());
  }
}
