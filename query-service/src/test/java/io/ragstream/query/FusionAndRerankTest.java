package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.query.rerank.Reranker;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FusionAndRerankTest {
  private static final StoredChunk A = chunk("a", "doc1");
  private static final StoredChunk B = chunk("b", "doc1");
  private static final StoredChunk C = chunk("c", "doc2");

  private final FakeChunkSearcher searcher = new FakeChunkSearcher();

  private SearchService service(SearchConfig config, Reranker reranker) {
    SearchService.Builder b = SearchService.builder(searcher, new FakeEmbeddingModel()).config(config)
        .registry(new SimpleMeterRegistry());
    return reranker == null ? b.build() : b.reranker(reranker).build();
  }

  @Test
  void weightedFusionMixesMinMaxNormalisedScores() throws IOException {
    // keyword: a=10 → 1.0, b=6 → 0.5, c=2 → 0.0; vector: c=0.9 → 1.0, a=0.5 → 0.0
    searcher.keyword(hit(A, 10f), hit(B, 6f), hit(C, 2f)).vector(hit(C, 0.9f), hit(A, 0.5f));
    SearchConfig config = SearchConfig.defaults().withFusion(Fusion.WEIGHTED, 0.7);

    List<SearchResult> results = service(config, null).search(SearchRequest.of("q")).results();

    // c = 0.3*0 + 0.7*1 = 0.7; a = 0.3*1 + 0.7*0 = 0.3; b = 0.3*0.5 = 0.15
    assertThat(results).extracting(SearchResult::chunkId).containsExactly("c", "a", "b");
    assertThat(results.get(0).score()).isCloseTo(0.7, within(1e-6));
    assertThat(results.get(1).score()).isCloseTo(0.3, within(1e-6));
    assertThat(results.get(2).score()).isCloseTo(0.15, within(1e-6));
    assertThat(results.get(1).ranks()).containsEntry("keyword", 1).containsEntry("vector", 2);
  }

  @Test
  void weightZeroIsKeywordOnlyOrderAndOneIsVectorOnlyOrder() throws IOException {
    searcher.keyword(hit(A, 3f), hit(B, 2f)).vector(hit(B, 0.9f), hit(A, 0.1f));
    assertThat(service(SearchConfig.defaults().withFusion(Fusion.WEIGHTED, 0), null).search(SearchRequest.of("q"))
        .results()).extracting(SearchResult::chunkId).containsExactly("a", "b");
    assertThat(service(SearchConfig.defaults().withFusion(Fusion.WEIGHTED, 1), null).search(SearchRequest.of("q"))
        .results()).extracting(SearchResult::chunkId).containsExactly("b", "a");
  }

  @Test
  void fusionSettingsAreValidated() {
    assertThatThrownBy(() -> SearchConfig.defaults().withFusion(Fusion.WEIGHTED, 1.5))
        .hasMessageContaining("vectorWeight");
    assertThatThrownBy(() -> Fusion.parse("max")).hasMessageContaining("rrf, weighted");
    assertThat(Fusion.parse(" Weighted ")).isEqualTo(Fusion.WEIGHTED);
  }

  @Test
  void rerankReordersTheFusedCandidatesAndRecordsItsRankAndScore() throws IOException {
    searcher.keyword(hit(A, 3f), hit(B, 2f), hit(C, 1f)).vector(hit(A, 0.9f));
    // scores passages by their last character: "text of c" > "text of b" > "text of a"
    Reranker byLastChar = new Reranker() {
      @Override
      public String id() {
        return "last-char";
      }

      @Override
      public float[] score(String query, List<String> passages) {
        float[] scores = new float[passages.size()];
        for (int i = 0; i < scores.length; i++) {
          scores[i] = passages.get(i).charAt(passages.get(i).length() - 1);
        }
        return scores;
      }
    };

    List<SearchResult> results = service(SearchConfig.defaults(), byLastChar)
        .search(new SearchRequest("q", 2, SearchMode.HYBRID, null, Map.of(), true)).results();

    assertThat(results).extracting(SearchResult::chunkId).containsExactly("c", "b");
    assertThat(results.get(0).ranks()).containsEntry("rerank", 1).containsEntry("keyword", 3);
    assertThat(results.get(0).score()).isEqualTo((double) 'c');
    assertThat(searcher.calls).allSatisfy(call -> assertThat(call.k())
        .as("retrieves rerankCandidates, not k").isEqualTo(SearchConfig.DEFAULT_RERANK_CANDIDATES));
  }

  @Test
  void rerankWithoutARerankerIsABadRequestNotASilentNoOp() {
    assertThatThrownBy(() -> service(SearchConfig.defaults(), null)
        .search(new SearchRequest("q", 2, SearchMode.HYBRID, null, Map.of(), true)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rerank is not configured");
  }
}
