package io.ragstream.indexer.composite;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real stores behind one searcher: each retriever answers from its own store, both apply tenant and filters. */
class CompositeSearcherIT {
  private static final int DIM = 8;

  @TempDir Path dir;

  @Test
  void keywordsComeFromOneStoreVectorsFromTheOtherEachFilteringByTenantAndMetadata() throws Exception {
    try (LuceneStore keywordStore = LuceneStore.open(dir.resolve("kw"), "g1");
        LuceneStore vectorStore = LuceneStore.open(dir.resolve("vec"), "g1")) {
      StoredChunk acmeEven = TestChunks.chunk("k1", "d1", "acme", "keyword side talks about offsets", 2, DIM);
      StoredChunk acmeOdd = TestChunks.chunk("k2", "d1", "acme", "keyword side talks about offsets too", 3, DIM);
      StoredChunk other = TestChunks.chunk("k3", "d2", "globex", "keyword side talks about offsets", 2, DIM);
      keywordStore.write(new WriteBatch(List.of(acmeEven, acmeOdd, other), List.of()));
      vectorStore.write(new WriteBatch(List.of(TestChunks.chunk("v1", "d1", "acme", "vector side", 2, DIM),
          TestChunks.chunk("v2", "d2", "globex", "vector side", 2, DIM)), List.of()));

      CompositeSearcher searcher = new CompositeSearcher(keywordStore, vectorStore);
      SearchFilter acmeEvenOnly = new SearchFilter("acme", Map.of("team", "even"), null);

      assertThat(ids(searcher.keywordSearch("offsets", 10, acmeEvenOnly))).containsExactly("k1");
      assertThat(ids(searcher.keywordSearch("offsets", 10, SearchFilter.tenant("acme"))))
          .containsExactlyInAnyOrder("k1", "k2");
      assertThat(ids(searcher.vectorSearch(TestChunks.vector(2, DIM), 10, SearchFilter.tenant("acme"))))
          .containsExactly("v1");
      assertThat(searcher.chunksOfDocument("d1", "acme")).extracting(StoredChunk::chunkId)
          .containsExactly("k1", "k2");
      assertThat(searcher.chunkCount()).isEqualTo(3);
    }
  }

  private static List<String> ids(List<Hit> hits) {
    return hits.stream().map(h -> h.chunk().chunkId()).toList();
  }
}
