package io.ragstream.indexer.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.ModelMismatchException;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.RetrievalView.Candidate;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lucene's two-phase view ({@link IndexSearches#view}) returns, once its keys are resolved to stored chunks, exactly
 * the hits of the one-phase searches: the same chunks with every stored field, the same scores, the same order, with
 * the tenant, metadata, document and ACL filters applied inside each retriever; over the writer's searcher and over
 * the read-only one.
 */
class RetrievalViewTest {
  private static final String MODEL = "all-minilm-l6-v2";
  private static final List<String> QUERIES = List.of("kafka offsets", "durable storage batch", "zebra seven",
      "lucene vector chunk", "nothing-matches-this");
  private static final List<SearchFilter> FILTERS = List.of(
      SearchFilter.tenant("acme"),
      SearchFilter.tenant("other"),
      SearchFilter.tenant("nobody"),
      new SearchFilter("acme", Map.of("lang", "de"), null),
      new SearchFilter("acme", Map.of(), "d3"),
      new SearchFilter("acme", Map.of(), null, Set.of("group:eng")),
      new SearchFilter("acme", Map.of(), null, Set.of()));

  @TempDir Path dir;

  @Test
  void theWritersViewGivesTheOnePhaseHitsUnderEveryFilter() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus(), List.of()));
      store.write(new WriteBatch(List.of(), List.of("c7", "c41"))); // deleted chunks must not come back

      assertSameAsOnePhase(store);
    }
  }

  @Test
  void theReadOnlyViewGivesTheOnePhaseHitsUnderEveryFilter() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus(), List.of()));
      store.write(new WriteBatch(List.of(), List.of("c7", "c41")));
    }
    try (LuceneReadOnlySearcher searcher = LuceneStore.openReadOnly(dir)) {
      assertSameAsOnePhase(searcher);
    }
  }

  @Test
  void aViewSearchesTheSnapshotItOpenedOn() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus().subList(0, 10), List.of()));
      try (RetrievalView view = store.view()) {
        store.write(new WriteBatch(corpus().subList(10, 60), List.of()));

        assertThat(view.vector(MODEL, vector(30), 100, SearchFilter.tenant("acme"))).hasSizeLessThanOrEqualTo(10);
        assertThat(store.vectorSearch(MODEL, vector(30), 100, SearchFilter.tenant("acme"))).hasSizeGreaterThan(10);
      }
    }
  }

  @Test
  void aVectorOfAnotherModelIsRefusedAndAnUnknownKeyIsAnError() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus(), List.of()));
    }
    try (LuceneReadOnlySearcher searcher = LuceneStore.openReadOnly(dir, Duration.ZERO);
        RetrievalView view = searcher.view()) {
      assertThat(view.modelId()).contains(MODEL);
      assertThatThrownBy(() -> view.vector("bge-small-en-v1.5", vector(1), 5, SearchFilter.tenant("acme")))
          .isInstanceOf(ModelMismatchException.class);
      assertThatThrownBy(() -> view.chunk(1_000_000)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aViewOfAnIndexNotCreatedYetFindsNothing() throws Exception {
    try (LuceneReadOnlySearcher searcher = LuceneStore.openReadOnly(dir.resolve("empty"));
        RetrievalView view = searcher.view()) {
      assertThat(view.modelId()).isEmpty();
      assertThat(view.keyword("kafka", 10, SearchFilter.tenant("acme"))).isEmpty();
      assertThat(view.vector(MODEL, vector(1), 10, SearchFilter.tenant("acme"))).isEmpty();
    }
  }

  private static void assertSameAsOnePhase(ChunkSearcher searcher) throws IOException {
    int compared = 0;
    for (SearchFilter filter : FILTERS) {
      for (int k : new int[] {1, 5, 50}) {
        for (String query : QUERIES) {
          try (RetrievalView view = searcher.view()) {
            assertThat(resolve(view, view.keyword(query, k, filter)))
                .as("keyword '%s' k=%d %s", query, k, filter).isEqualTo(searcher.keywordSearch(query, k, filter));
          }
          compared++;
        }
        for (int i = 0; i < 60; i += 7) {
          float[] v = vector(i);
          try (RetrievalView view = searcher.view()) {
            List<Hit> expected = searcher.vectorSearch(MODEL, v, k, filter);
            assertThat(resolve(view, view.vector(MODEL, v, k, filter)))
                .as("vector %d k=%d %s", i, k, filter).isEqualTo(expected);
            compared += expected.isEmpty() ? 0 : 1;
          }
        }
      }
    }
    assertThat(compared).isGreaterThan(100);
    // the filters did restrict: ACL'd chunks of another group and the other tenant never come back
    try (RetrievalView view = searcher.view()) {
      for (Candidate c : view.keyword("kafka offsets", 50, new SearchFilter("acme", Map.of(), null, Set.of()))) {
        assertThat(view.chunk(c.key()).acl()).isEmpty();
        assertThat(view.chunk(c.key()).tenant()).isEqualTo("acme");
      }
    }
  }

  private static List<Hit> resolve(RetrievalView view, List<Candidate> candidates) throws IOException {
    List<Hit> hits = new ArrayList<>();
    for (Candidate c : candidates) {
      hits.add(new Hit(view.chunk(c.key()), c.score()));
    }
    return hits;
  }

  /** Two tenants, two languages, chunks with and without ACLs. */
  private static List<StoredChunk> corpus() {
    String[] words = {"kafka", "offsets", "durable", "storage", "batch", "zebra", "seven", "lucene", "vector"};
    List<StoredChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String text = words[i % words.length] + " " + words[(i * 3 + 1) % words.length] + " "
          + words[(i * 7 + 2) % words.length] + " chunk number " + i;
      List<String> acl = i % 5 == 0 ? List.of("group:eng") : i % 5 == 1 ? List.of("group:sales") : List.of();
      chunks.add(new StoredChunk("c" + i, "d" + (i / 4), i % 6 == 5 ? "other" : "acme", 1, i % 4, "Title " + i,
          List.of("Heading " + (i % 3)), text, "source.txt", Map.of("lang", i % 2 == 0 ? "en" : "de"), MODEL,
          vector(i), 1_000L + i, acl));
    }
    return chunks;
  }

  /** A deterministic direction per index, spread over 8 dimensions. */
  private static float[] vector(int i) {
    float[] v = new float[8];
    for (int d = 0; d < v.length; d++) {
      v[d] = (float) Math.sin(i * 0.7 + d * 1.3) + 1.1f;
    }
    return v;
  }
}
