package io.ragstream.indexer.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tenant filter is dropped only where it excludes nothing (every chunk of the searched view is the tenant's), and
 * dropping it changes no result: on a real Lucene index.
 */
class IndexSearchesTest {
  private static final String MODEL = "all-minilm-l6-v2";

  @TempDir Path dir;

  @Test
  void aLoneTenantFilterOverASingleTenantIndexIsDroppedAndAnyOtherRestrictionIsKept() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus("acme", 0, 20), List.of()));
    }
    try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(dir))) {
      assertThat(IndexSearches.effectiveFilter(reader, SearchFilter.tenant("acme"))).isNull();
      assertThat(IndexSearches.effectiveFilter(reader, SearchFilter.tenant("other")))
          .as("a tenant with no chunks still finds nothing").isNotNull();
      assertThat(IndexSearches.effectiveFilter(reader, new SearchFilter("acme", Map.of("lang", "en"), null)))
          .isNotNull();
      assertThat(IndexSearches.effectiveFilter(reader, new SearchFilter("acme", Map.of(), "d1"))).isNotNull();
      assertThat(IndexSearches.effectiveFilter(reader, new SearchFilter("acme", Map.of(), null, Set.of("alice"))))
          .isNotNull();
    }
  }

  @Test
  void resultsWithTheFilterDroppedEqualThoseOfTheSameRestrictionKept() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus("acme", 0, 40), List.of()));
      // every chunk has lang=en, so this filter keeps the same chunks but cannot be dropped
      SearchFilter kept = new SearchFilter("acme", Map.of("lang", "en"), null);
      SearchFilter dropped = SearchFilter.tenant("acme");
      for (String query : List.of("kafka offsets", "durable storage batch", "zebra seven")) {
        assertThat(ids(store.keywordSearch(query, 10, dropped))).isNotEmpty()
            .isEqualTo(ids(store.keywordSearch(query, 10, kept)));
      }
      for (int i = 0; i < 8; i++) {
        float[] v = vector(i * 5 + 2);
        List<Hit> without = store.vectorSearch(v, 10, dropped);
        List<Hit> with = store.vectorSearch(v, 10, kept);
        assertThat(ids(without)).hasSize(10).isEqualTo(ids(with));
        assertThat(without).extracting(Hit::score).isEqualTo(with.stream().map(Hit::score).toList());
      }
    }
  }

  @Test
  void aSecondTenantKeepsTheFilterAndStaysInvisibleEvenAfterItsChunksAreDeleted() throws Exception {
    try (LuceneStore store = LuceneStore.open(dir, "g1")) {
      store.write(new WriteBatch(corpus("acme", 0, 20), List.of()));
      store.write(new WriteBatch(corpus("other", 100, 20), List.of()));
      SearchFilter acme = SearchFilter.tenant("acme");
      assertThat(store.keywordSearch("kafka offsets", 40, acme)).isNotEmpty()
          .allSatisfy(h -> assertThat(h.chunk().tenant()).isEqualTo("acme"));
      assertThat(store.vectorSearch(vector(3), 40, acme)).hasSize(20)
          .allSatisfy(h -> assertThat(h.chunk().tenant()).isEqualTo("acme"));

      List<String> others = new ArrayList<>();
      for (int i = 100; i < 120; i++) {
        others.add("c" + i);
      }
      store.write(new WriteBatch(List.of(), others));
      assertThat(store.vectorSearch(vector(3), 40, acme)).hasSize(20)
          .allSatisfy(h -> assertThat(h.chunk().tenant()).isEqualTo("acme"));
      assertThat(store.vectorSearch(vector(3), 40, SearchFilter.tenant("other"))).isEmpty();
    }
  }

  private static List<StoredChunk> corpus(String tenant, int from, int count) {
    String[] words = {"kafka", "offsets", "durable", "storage", "batch", "zebra", "seven", "lucene", "vector"};
    List<StoredChunk> chunks = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      String text = words[i % words.length] + " " + words[(i * 3 + 1) % words.length] + " "
          + words[(i * 7 + 2) % words.length] + " chunk number " + i;
      chunks.add(new StoredChunk("c" + i, "d" + (i / 4), tenant, 1, i % 4, null, List.of(), text, "source.txt",
          Map.of("lang", "en"), MODEL, vector(i), 1_000L));
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

  private static List<String> ids(List<Hit> hits) {
    return hits.stream().map(h -> h.chunk().chunkId()).toList();
  }
}
