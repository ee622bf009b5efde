package io.ragstream.indexer.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.awaitility.Awaitility.await;

import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneStoreIT {

  private static final String MODEL = "all-minilm-l6-v2";
  private static final SearchFilter ACME = SearchFilter.tenant("acme");

  @TempDir Path dir;
  private LuceneStore store;

  @BeforeEach
  void open() throws Exception {
    store = LuceneStore.open(dir, "g1");
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  @Test
  void keywordSearchFindsAnUpsertedPhraseAsSoonAsWriteReturns() throws Exception {
    store.write(upserts(
        chunk("c1", "d1", "acme", 0, "Kafka consumers commit offsets after the batch is durable."),
        chunk("c2", "d1", "acme", 1, "Durable storage of the batch comes first; consumers commit later.")));

    List<Hit> hits = store.keywordSearch("commit offsets", 10, ACME);

    assertThat(ids(hits)).startsWith("c1").contains("c2");
    assertThat(hits.get(0).score()).isGreaterThan(hits.get(1).score());
    assertThat(store.keywordSearch("committing OFFSET", 10, ACME)).extracting(h -> h.chunk().chunkId()).contains("c1");
  }

  @Test
  void upsertingTheSameChunkIdTwiceKeepsOneDocumentWithTheNewText() throws Exception {
    WriteBatch first = upserts(chunk("c1", "d1", "acme", 0, "the old wording about zebras"));
    store.write(first);
    store.write(first);
    assertThat(store.chunkCount()).isEqualTo(1);

    store.write(upserts(chunk("c1", "d1", "acme", 0, "the new wording about giraffes")));

    assertThat(store.chunkCount()).isEqualTo(1);
    assertThat(store.keywordSearch("zebras", 10, ACME)).isEmpty();
    assertThat(store.keywordSearch("giraffes", 10, ACME))
        .singleElement()
        .satisfies(h -> assertThat(h.chunk().text()).isEqualTo("the new wording about giraffes"));
  }

  @Test
  void deleteRemovesTheChunkAndDeletingAnAbsentIdIsANoOp() throws Exception {
    store.write(upserts(chunk("c1", "d1", "acme", 0, "alpha"), chunk("c2", "d1", "acme", 1, "beta")));

    store.write(new WriteBatch(List.of(), List.of("c1", "never-written")));
    store.write(new WriteBatch(List.of(), List.of("c1")));

    assertThat(store.chunkCount()).isEqualTo(1);
    assertThat(store.keywordSearch("alpha", 10, ACME)).isEmpty();
    assertThat(store.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId).containsExactly("c2");
  }

  @Test
  void aBatchAppliesItsUpsertsAndItsDeletesAndReplayingItChangesNothing() throws Exception {
    store.write(upserts(chunk("old", "d1", "acme", 0, "stale section")));
    WriteBatch update =
        new WriteBatch(List.of(chunk("new", "d1", "acme", 0, "fresh section")), List.of("old"));

    store.write(update);
    store.write(update);

    assertThat(store.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId).containsExactly("new");
    assertThat(store.chunkCount()).isEqualTo(1);
  }

  @Test
  void oneTenantNeverSeesAnothersChunks() throws Exception {
    store.write(upserts(
        chunk("a1", "d1", "acme", 0, "quarterly revenue report", unit(0)),
        chunk("b1", "d1", "globex", 0, "quarterly revenue report", unit(0))));

    assertThat(ids(store.keywordSearch("revenue", 10, SearchFilter.tenant("globex")))).containsExactly("b1");
    assertThat(ids(store.vectorSearch(unit(0), 10, SearchFilter.tenant("globex")))).containsExactly("b1");
    assertThat(ids(store.vectorSearch(unit(0), 10, SearchFilter.tenant("initech")))).isEmpty();
    assertThat(store.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId).containsExactly("a1");
  }

  @Test
  void metadataAndDocumentFiltersRestrictBothRetrievers() throws Exception {
    store.write(upserts(
        chunk("c1", "d1", "acme", 0, "install guide", unit(0), Map.of("lang", "en", "kind", "manual")),
        chunk("c2", "d2", "acme", 0, "install guide", unit(0), Map.of("lang", "de", "kind", "manual")),
        chunk("c3", "d3", "acme", 0, "install guide", unit(0), Map.of("lang", "en"))));

    SearchFilter english = new SearchFilter("acme", Map.of("lang", "en"), null);
    SearchFilter englishManual = new SearchFilter("acme", Map.of("lang", "en", "kind", "manual"), null);
    SearchFilter onlyD2 = new SearchFilter("acme", Map.of(), "d2");

    assertThat(ids(store.keywordSearch("install", 10, english))).containsExactlyInAnyOrder("c1", "c3");
    assertThat(ids(store.vectorSearch(unit(0), 10, englishManual))).containsExactly("c1");
    assertThat(ids(store.keywordSearch("install", 10, onlyD2))).containsExactly("c2");
    assertThat(store.keywordSearch("install", 10, english).get(0).chunk().metadata()).containsEntry("lang", "en");
  }

  @Test
  void aclsRestrictBothRetrieversToTheCallersPrincipalsAndDocumentsWithoutAnAcl() throws Exception {
    store.write(upserts(
        withAcl(chunk("eng", "d1", "acme", 0, "launch plan", unit(0)), List.of("group:eng", "user:ann")),
        withAcl(chunk("sales", "d2", "acme", 0, "launch plan", unit(0)), List.of("group:sales")),
        chunk("open", "d3", "acme", 0, "launch plan", unit(0))));

    SearchFilter eng = SearchFilter.tenant("acme").withPrincipals(List.of("group:eng"));
    SearchFilter ann = SearchFilter.tenant("acme").withPrincipals(List.of("user:ann", "group:other"));
    SearchFilter nobody = SearchFilter.tenant("acme").withPrincipals(List.of());

    assertThat(ids(store.keywordSearch("launch", 10, eng))).containsExactlyInAnyOrder("eng", "open");
    assertThat(ids(store.vectorSearch(unit(0), 10, eng))).containsExactlyInAnyOrder("eng", "open");
    assertThat(ids(store.vectorSearch(unit(0), 10, ann))).containsExactlyInAnyOrder("eng", "open");
    assertThat(ids(store.keywordSearch("launch", 10, nobody))).containsExactly("open");
    assertThat(ids(store.vectorSearch(unit(0), 10, nobody))).containsExactly("open");
    // unrestricted (open mode, internal callers): everything of the tenant
    assertThat(ids(store.keywordSearch("launch", 10, ACME))).hasSize(3);
    assertThat(store.chunksOfDocument("d1", "acme").getFirst().acl()).containsExactly("group:eng", "user:ann");
    assertThat(store.chunksOfDocument("d3", "acme").getFirst().acl()).isEmpty();
  }

  @Test
  void anAclFilteredVectorSearchStillReturnsKHits() throws Exception {
    List<StoredChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      // the visible chunks are the farthest from the query: a post-filter on a global top-k would return none
      boolean visible = i % 10 == 0;
      float[] v = visible ? mix(1, 0, 0.001f * i) : mix(0, 1, 0.001f * i);
      chunks.add(withAcl(chunk("c" + i, "d" + i, "acme", 0, "text " + i, v),
          List.of(visible ? "group:eng" : "group:sales")));
    }
    store.write(new WriteBatch(chunks, List.of()));

    List<Hit> hits = store.vectorSearch(unit(0), 5, SearchFilter.tenant("acme").withPrincipals(List.of("group:eng")));

    assertThat(hits).hasSize(5).allSatisfy(h -> assertThat(h.chunk().acl()).containsExactly("group:eng"));
  }

  private static StoredChunk withAcl(StoredChunk c, List<String> acl) {
    return new StoredChunk(c.chunkId(), c.docId(), c.tenant(), c.documentVersion(), c.ordinal(), c.title(),
        c.headings(), c.text(), c.sourceName(), c.metadata(), c.modelId(), c.vector(), c.ingestedAt(), acl);
  }

  @Test
  void vectorSearchRanksTheNearestVectorFirstAndReportsCosine() throws Exception {
    store.write(upserts(
        chunk("far", "d1", "acme", 0, "x", unit(3)),
        chunk("near", "d1", "acme", 1, "y", mix(0, 1, 0.9f)),
        chunk("same", "d1", "acme", 2, "z", unit(0)),
        chunk("opposite", "d1", "acme", 3, "w", scaled(unit(0), -1))));

    List<Hit> hits = store.vectorSearch(unit(0), 4, ACME);

    assertThat(ids(hits)).containsExactly("same", "near", "far", "opposite");
    assertThat(hits.get(0).score()).isCloseTo(1f, offset(1e-5f));
    assertThat(hits.get(2).score()).isCloseTo(0f, offset(1e-5f));
    assertThat(hits.get(3).score()).isCloseTo(-1f, offset(1e-5f));
  }

  @Test
  void filteredVectorSearchStillReturnsKHitsWhenEnoughMatch() throws Exception {
    List<StoredChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      // The tenant's chunks are the ones farthest from the query, so a post-filter on a global top-k would miss them.
      String tenant = i % 10 == 0 ? "acme" : "globex";
      float[] v = tenant.equals("acme") ? mix(1, 0, 0.001f * i) : mix(0, 1, 0.001f * i);
      chunks.add(chunk("c" + i, "d" + i, tenant, 0, "text " + i, v));
    }
    store.write(new WriteBatch(chunks, List.of()));

    List<Hit> hits = store.vectorSearch(unit(0), 5, ACME);

    assertThat(hits).hasSize(5).allSatisfy(h -> assertThat(h.chunk().tenant()).isEqualTo("acme"));
  }

  @Test
  void chunksOfDocumentComeInOrdinalOrderWithEveryStoredField() throws Exception {
    StoredChunk second =
        new StoredChunk("c2", "d1", "acme", 7, 2, "Guide", List.of("Setup", "Linux", "Ports"), "open port 9092",
            "guide.md", Map.of("lang", "en"), MODEL, unit(1), 1_700_000_000_000L);
    store.write(upserts(chunk("c10", "d1", "acme", 10, "ten"), second, chunk("c0", "d1", "acme", 0, "zero"),
        chunk("other", "d2", "acme", 1, "other doc")));

    List<StoredChunk> chunks = store.chunksOfDocument("d1", "acme");

    assertThat(chunks).extracting(StoredChunk::ordinal).containsExactly(0, 2, 10);
    StoredChunk read = chunks.get(1);
    assertThat(read).usingRecursiveComparison().ignoringFields("vector").isEqualTo(second);
    assertThat(read.vector()).isNull();
    assertThat(store.chunksOfDocument("missing", "acme")).isEmpty();
  }

  @Test
  void titleAndHeadingsAreSearchableButWeighLessThanText() throws Exception {
    store.write(upserts(
        new StoredChunk("in-heading", "d1", "acme", 1, 0, "Manual", List.of("Kerberos"), "configure the realm",
            null, Map.of(), MODEL, null, 0),
        chunk("in-text", "d2", "acme", 0, "configure kerberos for the realm")));

    assertThat(ids(store.keywordSearch("kerberos", 10, ACME))).containsExactly("in-text", "in-heading");
  }

  @Test
  void aHeadingAlreadyInTheTextCountsOnceSoItDoesNotOutrankTheSameWordsWithoutAHeading() throws Exception {
    // Same text; one chunk also has "Kerberos" as its heading, which its text (a heading prefix) already holds.
    // Were the heading indexed again, that chunk's score for "kerberos" would be higher than its twin's.
    store.write(upserts(
        new StoredChunk("prefixed", "d1", "acme", 1, 0, null, List.of("Kerberos"), "Kerberos\n\nconfigure realm",
            null, Map.of(), MODEL, null, 0),
        new StoredChunk("plain", "d2", "acme", 1, 0, null, List.of(), "Kerberos\n\nconfigure realm",
            null, Map.of(), MODEL, null, 0)));

    List<Hit> hits = store.keywordSearch("kerberos", 10, ACME);
    assertThat(hits).hasSize(2);
    assertThat(hits.get(0).score()).isEqualTo(hits.get(1).score(), offset(1e-6f));
  }

  @Test
  void forceMergeLeavesOneSegmentWithEveryChunkStillFoundBothWays() throws Exception {
    for (int i = 0; i < 4; i++) { // one commit, so one segment, per batch
      store.write(upserts(chunk("c" + i, "d" + i, "acme", 0, "merged words number" + i, unit(i))));
    }
    assertThat(store.segmentCount()).isGreaterThan(1);

    store.forceMerge(1);

    assertThat(store.segmentCount()).isEqualTo(1);
    assertThat(store.chunkCount()).isEqualTo(4);
    assertThat(ids(store.keywordSearch("merged words", 10, ACME))).containsExactlyInAnyOrder("c0", "c1", "c2", "c3");
    assertThat(ids(store.vectorSearch(unit(2), 1, ACME))).containsExactly("c2");
    assertThatThrownBy(() -> store.forceMerge(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closingAndReopeningKeepsEveryChunkAndTheGeneration() throws Exception {
    store.write(upserts(chunk("c1", "d1", "acme", 0, "persisted words", unit(2))));
    store.close();

    store = LuceneStore.open(dir, "g1");

    assertThat(store.chunkCount()).isEqualTo(1);
    assertThat(ids(store.keywordSearch("persisted", 10, ACME))).containsExactly("c1");
    assertThat(ids(store.vectorSearch(unit(2), 1, ACME))).containsExactly("c1");
    assertThat(store.generation()).isEqualTo("g1");
  }

  @Test
  void anIndexRefusesAnotherGenerationAnotherModelAndAnotherDimension() throws Exception {
    store.write(upserts(chunk("c1", "d1", "acme", 0, "first", unit(0))));
    store.close();
    assertThatThrownBy(() -> LuceneStore.open(dir, "g2")).isInstanceOf(IllegalStateException.class);
    store = LuceneStore.open(dir, "g1");

    StoredChunk otherModel =
        new StoredChunk("c2", "d1", "acme", 1, 1, null, List.of(), "t", null, Map.of(), "bge-small", unit(1), 0);
    StoredChunk otherDimension = chunk("c3", "d1", "acme", 2, "t", new float[] {1, 0, 0});
    WriteBatch valid = upserts(chunk("c4", "d1", "acme", 3, "valid"));

    assertThatThrownBy(() -> store.write(new WriteBatch(List.of(valid.upserts().get(0), otherModel), List.of())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.write(upserts(otherDimension))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.write(upserts(chunk("c5", "d1", "acme", 4, "t", new float[8]))))
        .isInstanceOf(IllegalArgumentException.class);
    // A rejected batch leaves nothing behind, not even its valid chunks, once the next batch commits.
    store.write(upserts(chunk("c6", "d1", "acme", 5, "later", unit(1))));
    assertThat(store.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId).containsExactly("c1", "c6");
  }

  @Test
  void aChunkWithAnImmenseTermIsRejectedAloneAndTheRestOfTheBatchIsCommitted() throws Exception {
    String immense = "x".repeat(40_000); // over Lucene's 32766-byte term limit
    WriteBatch batch = new WriteBatch(List.of(chunk("before", "d1", "acme", 0, "lighthouse keepers"),
        chunk("huge-id", immense, "acme", 1, "an id nobody can index"),
        chunk("huge-meta", "d1", "acme", 2, "a value nobody can index", null, Map.of("team", immense)),
        chunk("after", "d1", "acme", 3, "tide tables")), List.of());

    assertThatThrownBy(() -> store.write(batch)).isInstanceOfSatisfying(
        io.ragstream.indexer.store.RejectedChunksException.class, e -> {
          assertThat(e.reasons()).containsOnlyKeys("huge-id", "huge-meta");
          assertThat(e.reasons().get("huge-id")).contains("immense term");
        });
    assertThat(store.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId)
        .containsExactly("before", "after");
    assertThat(ids(store.keywordSearch("tide", 10, ACME))).containsExactly("after");
    // the writer is still usable
    store.write(upserts(chunk("next", "d2", "acme", 0, "harbour")));
    assertThat(store.chunkCount()).isEqualTo(3);
  }

  @Test
  void aReadOnlySearcherSeesAnotherWritersCommits() throws Exception {
    try (LuceneReadOnlySearcher reader = LuceneStore.openReadOnly(dir)) {
      assertThat(reader.chunkCount()).isZero();
      assertThat(reader.generation()).isEqualTo("g1");

      store.write(upserts(chunk("c1", "d1", "acme", 0, "replicated text", unit(0))));

      await().atMost(Duration.ofSeconds(10)).until(() -> reader.chunkCount() == 1);
      assertThat(ids(reader.keywordSearch("replicated", 5, ACME))).containsExactly("c1");
      assertThat(ids(reader.vectorSearch(unit(0), 5, ACME))).containsExactly("c1");
      assertThat(reader.documentCount()).isEqualTo(1);
    }
  }

  @Test
  void aReadOnlySearcherOpenedBeforeTheIndexExistsFindsItLater(@TempDir Path empty) throws Exception {
    try (LuceneReadOnlySearcher reader = LuceneStore.openReadOnly(empty, Duration.ZERO)) {
      assertThat(reader.keywordSearch("anything", 5, ACME)).isEmpty();
      assertThat(reader.generation()).isNull();
      try (LuceneStore writer = LuceneStore.open(empty, "g7")) {
        writer.write(upserts(chunk("c1", "d1", "acme", 0, "late arrival")));
        assertThat(ids(reader.keywordSearch("arrival", 5, ACME))).containsExactly("c1");
        assertThat(reader.generation()).isEqualTo("g7");
      }
    }
  }

  @Test
  void queryTextWithQuerySyntaxIsTakenLiterallyAndNeverThrows() throws Exception {
    store.write(upserts(chunk("c1", "d1", "acme", 0, "foo bar baz")));

    for (String query : List.of("\"foo\" AND (bar:", "bar:[* TO", "foo~~ ^2 \\", "{}[]()!-+&&||/", "*", "")) {
      assertThat(store.keywordSearch(query, 5, ACME)).as(query).allSatisfy(h -> assertThat(h.chunk()).isNotNull());
    }
    assertThat(ids(store.keywordSearch("\"foo\" AND (bar:", 5, ACME))).containsExactly("c1");
    assertThat(store.keywordSearch("the and of", 5, ACME)).as("only stop words").isEmpty();
    String pastedPage = "baz " + IntStream.range(0, 3000).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
    assertThat(ids(store.keywordSearch(pastedPage, 5, ACME))).containsExactly("c1");
  }

  @Test
  void documentCountCountsDistinctDocumentsWithLiveChunks() throws Exception {
    store.write(upserts(chunk("c1", "d1", "acme", 0, "a"), chunk("c2", "d1", "acme", 1, "b"),
        chunk("c3", "d2", "globex", 0, "c")));
    assertThat(store.documentCount()).isEqualTo(2);

    store.write(new WriteBatch(List.of(), List.of("c3")));

    assertThat(store.documentCount()).isEqualTo(1);
  }

  @Test
  void searchesRunSafelyWhileBatchesAreWritten() throws Exception {
    CompletableFuture<Void> writes =
        CompletableFuture.runAsync(() -> {
          try {
            for (int i = 0; i < 50; i++) {
              store.write(upserts(chunk("c" + i, "d" + i, "acme", 0, "concurrent text " + i, unit(i % 8))));
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    int seen = 0;
    while (!writes.isDone()) {
      // Refreshes only ever move forward, so no search may see fewer chunks than the one before it.
      int now = store.keywordSearch("concurrent", 100, ACME).size();
      assertThat(now).isGreaterThanOrEqualTo(seen);
      seen = now;
      store.vectorSearch(unit(0), 5, ACME);
    }
    writes.join();
    assertThat(store.keywordSearch("concurrent", 100, ACME)).hasSize(50);
  }

  private static WriteBatch upserts(StoredChunk... chunks) {
    return new WriteBatch(List.of(chunks), List.of());
  }

  private static StoredChunk chunk(String id, String docId, String tenant, int ordinal, String text) {
    return chunk(id, docId, tenant, ordinal, text, null);
  }

  private static StoredChunk chunk(String id, String docId, String tenant, int ordinal, String text, float[] vector) {
    return chunk(id, docId, tenant, ordinal, text, vector, Map.of());
  }

  private static StoredChunk chunk(
      String id, String docId, String tenant, int ordinal, String text, float[] vector, Map<String, String> meta) {
    return new StoredChunk(id, docId, tenant, 1, ordinal, null, List.of(), text, "source.txt", meta, MODEL, vector,
        1_000L);
  }

  private static List<String> ids(List<Hit> hits) {
    return hits.stream().map(h -> h.chunk().chunkId()).toList();
  }

  /** The i-th basis vector of dimension 8. */
  private static float[] unit(int i) {
    float[] v = new float[8];
    v[i] = 1;
    return v;
  }

  /** A unit vector in the plane of basis vectors a and b, weight w on b. */
  private static float[] mix(int a, int b, float w) {
    float[] v = new float[8];
    v[a] = 1;
    v[b] += w;
    float norm = (float) Math.sqrt(1 + w * w);
    return scaled(v, 1 / norm);
  }

  private static float[] scaled(float[] v, float factor) {
    float[] out = v.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= factor;
    }
    return out;
  }
}
