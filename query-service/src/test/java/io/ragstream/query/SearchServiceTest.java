package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SearchServiceTest {
  private static final StoredChunk A = chunk("a", "doc1");
  private static final StoredChunk B = chunk("b", "doc1");
  private static final StoredChunk C = chunk("c", "doc2");
  private static final StoredChunk D = chunk("d", "doc2");

  private final FakeChunkSearcher searcher = new FakeChunkSearcher();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  // RRF with the literature's k=60, which the hand-computed scores below assume (the tuned defaults are weighted)
  private SearchService service = service(new SearchConfig(60, 50, 100));

  private SearchService service(SearchConfig config) {
    return new SearchService(searcher, new FakeEmbeddingModel(), config, registry);
  }

  @AfterEach
  void close() {
    service.close();
  }

  private static SearchRequest request(String query, int k, SearchMode mode) {
    return new SearchRequest(query, k, mode, null, null);
  }

  @Test
  void hybridFusesByReciprocalRankWithTheConfiguredConstant() throws IOException {
    searcher.keyword(hit(A, 12.5f), hit(B, 9.25f)).vector(hit(C, 0.91f), hit(D, 0.87f), hit(A, 0.8f));

    SearchResponse response = service.search(request("lucene", 10, SearchMode.HYBRID));

    // by hand, k=60: a = 1/61 + 1/63 = 0.03227, c = 1/61 = 0.01639, b = 1/62 = d = 0.01613 (tie: by chunk id)
    assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("a", "c", "b", "d");
    assertThat(response.results()).extracting(SearchResult::score).containsExactly(
        1.0 / 61 + 1.0 / 63, 1.0 / 61, 1.0 / 62, 1.0 / 62);
    assertThat(response.mode()).isEqualTo(SearchMode.HYBRID);
  }

  @Test
  void aChunkFirstInKeywordAndThirdInVectorBeatsOneSecondInKeywordAndAbsentFromVector() throws IOException {
    searcher.keyword(hit(A, 3f), hit(B, 2f)).vector(hit(C, 0.9f), hit(D, 0.8f), hit(A, 0.7f));

    List<SearchResult> results = service.search(request("q", 10, SearchMode.HYBRID)).results();

    assertThat(results).extracting(SearchResult::chunkId).startsWith("a");
    assertThat(results.indexOf(find(results, "a"))).isLessThan(results.indexOf(find(results, "b")));
  }

  @Test
  void beingSecondInBothOutranksBeingFirstInOne() throws IOException {
    searcher.keyword(hit(A, 3f), hit(B, 2f)).vector(hit(C, 0.9f), hit(B, 0.8f));

    List<SearchResult> results = service.search(request("q", 10, SearchMode.HYBRID)).results();

    // b = 2/62 = 0.03226 > a = c = 1/61 = 0.01639
    assertThat(results).extracting(SearchResult::chunkId).containsExactly("b", "a", "c");
  }

  @Test
  void rrfConstantIsConfigurable() throws IOException {
    service = service(new SearchConfig(1, 50, 100));
    searcher.keyword(hit(A, 3f)).vector(hit(B, 0.9f), hit(A, 0.5f));

    List<SearchResult> results = service.search(request("q", 10, SearchMode.HYBRID)).results();

    assertThat(find(results, "a").score()).isCloseTo(1.0 / 2 + 1.0 / 3, within(1e-12));
    assertThat(find(results, "b").score()).isCloseTo(1.0 / 2, within(1e-12));
  }

  @Test
  void reportsRankAndOwnScorePerRetrieverThatReturnedTheChunk() throws IOException {
    searcher.keyword(hit(A, 12.5f), hit(B, 9.25f)).vector(hit(C, 0.91f), hit(D, 0.87f), hit(A, 0.32f));

    List<SearchResult> results = service.search(request("q", 10, SearchMode.HYBRID)).results();

    SearchResult a = find(results, "a");
    assertThat(a.ranks()).containsExactly(Map.entry("keyword", 1), Map.entry("vector", 3));
    assertThat(a.scores()).containsExactly(Map.entry("keyword", 12.5), Map.entry("vector", 0.32));
    assertThat(find(results, "b").ranks()).containsExactly(Map.entry("keyword", 2));
    assertThat(find(results, "d").ranks()).containsExactly(Map.entry("vector", 2));
    assertThat(find(results, "d").scores()).containsExactly(Map.entry("vector", 0.87));
  }

  @Test
  void resultsCarryTheChunksContent() throws IOException {
    StoredChunk chunk = chunk("x", "guide", "default", Map.of("lang", "en"));
    searcher.keyword(hit(chunk, 1f));

    SearchResult result = service.search(request("q", 10, SearchMode.KEYWORD)).results().getFirst();

    assertThat(result.docId()).isEqualTo("guide");
    assertThat(result.text()).isEqualTo("text of x");
    assertThat(result.title()).isEqualTo("Title of guide");
    assertThat(result.headings()).containsExactly("Intro", "x");
    assertThat(result.metadata()).containsExactly(Map.entry("lang", "en"));
  }

  @Test
  void tenantAndFilterReachBothRetrieversBeforeFusion() throws IOException {
    StoredChunk mineEn = chunk("m1", "doc1", "acme", Map.of("lang", "en"));
    StoredChunk mineDe = chunk("m2", "doc1", "acme", Map.of("lang", "de"));
    StoredChunk other = chunk("o1", "doc9", "globex", Map.of("lang", "en"));
    searcher.keyword(hit(other, 9f), hit(mineDe, 8f), hit(mineEn, 7f)).vector(hit(mineDe, 0.9f), hit(other, 0.8f));

    SearchResponse response =
        service.search(new SearchRequest("q", 10, SearchMode.HYBRID, "acme", Map.of("lang", "en")));

    SearchFilter expected = new SearchFilter("acme", Map.of("lang", "en"), null);
    assertThat(searcher.calls).extracting(FakeChunkSearcher.Call::filter).containsOnly(expected).hasSize(2);
    assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("m1");
    // filtered inside the retriever, so m1 is the keyword retriever's first hit, not its third
    assertThat(response.results().getFirst().ranks()).containsExactly(Map.entry("keyword", 1));
  }

  @Test
  void tenantDefaultsToDefault() throws IOException {
    service.search(SearchRequest.of("q"));

    assertThat(searcher.calls).extracting(c -> c.filter().tenant()).containsOnly("default");
  }

  @Test
  void hybridReturnsAtMostKAndAsksEachRetrieverForTheConfiguredCandidates() throws IOException {
    searcher.keyword(hit(A, 4f), hit(B, 3f)).vector(hit(C, 0.9f), hit(D, 0.8f));

    SearchResponse response = service.search(request("q", 2, SearchMode.HYBRID));

    assertThat(response.results()).hasSize(2);
    assertThat(searcher.calls).extracting(FakeChunkSearcher.Call::k).containsOnly(50);
  }

  @Test
  void candidatesGrowToKWhenKIsLarger() throws IOException {
    service = service(new SearchConfig(60, 5, 100));

    service.search(request("q", 20, SearchMode.HYBRID));

    assertThat(searcher.calls).extracting(FakeChunkSearcher.Call::k).containsOnly(20);
  }

  @Test
  void keywordModeUsesOnlyTheKeywordRetrieverAndItsScores() throws IOException {
    searcher.keyword(hit(A, 4.5f), hit(B, 3f), hit(C, 1f)).vector(hit(D, 0.9f));

    SearchResponse response = service.search(request("lucene index", 2, SearchMode.KEYWORD));

    assertThat(searcher.calls).singleElement().satisfies(c -> {
      assertThat(c.retriever()).isEqualTo("keyword");
      assertThat(c.query()).isEqualTo("lucene index");
      assertThat(c.k()).isEqualTo(2);
    });
    assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("a", "b");
    assertThat(response.results()).extracting(SearchResult::score).containsExactly(4.5, 3.0);
    assertThat(response.results().get(1).ranks()).containsExactly(Map.entry("keyword", 2));
    assertThat(response.mode()).isEqualTo(SearchMode.KEYWORD);
  }

  @Test
  void vectorModeUsesOnlyTheVectorRetrieverWithTheEmbeddedQuery() throws IOException {
    searcher.keyword(hit(A, 4.5f)).vector(hit(D, 0.9f), hit(C, 0.5f));

    SearchResponse response = service.search(request("hello", 5, SearchMode.VECTOR));

    assertThat(searcher.calls).singleElement().satisfies(c -> {
      assertThat(c.retriever()).isEqualTo("vector");
      assertThat(c.vector()).containsExactly(FakeEmbeddingModel.vector("hello"));
      assertThat(c.k()).isEqualTo(5);
    });
    assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("d", "c");
    assertThat(response.results().getFirst().scores()).containsExactly(Map.entry("vector", 0.9));
  }

  @Test
  void hybridRunsBothRetrieversConcurrently() throws IOException {
    CountDownLatch vectorStarted = new CountDownLatch(1);
    searcher.beforeVector = vectorStarted::countDown;
    // sequential retrieval would never see the vector side start while keyword search is still running
    searcher.beforeKeyword = () -> {
      try {
        if (!vectorStarted.await(5, TimeUnit.SECONDS)) {
          throw new IOException("vector search did not run concurrently");
        }
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    };
    searcher.keyword(hit(A, 1f)).vector(hit(B, 1f));

    assertThat(service.search(request("q", 10, SearchMode.HYBRID)).results()).hasSize(2);
  }

  @Test
  void aFailingRetrieverFailsTheSearch() {
    searcher.beforeVector = () -> {
      throw new IOException("index unavailable");
    };

    assertThatThrownBy(() -> service.search(request("q", 10, SearchMode.HYBRID)))
        .isInstanceOf(IOException.class).hasMessage("index unavailable");
  }

  @Test
  void aStoreRejectingAValidRequestIsAServerFaultNotABadRequest() {
    searcher.beforeKeyword = () -> {
      throw new IllegalArgumentException("vector dimension 3 != 384");
    };

    assertThatThrownBy(() -> service.search(request("q", 10, SearchMode.KEYWORD)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void kAboveMaxIsRejected() {
    assertThatThrownBy(() -> service.search(request("q", 101, SearchMode.HYBRID)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and 100");
    assertThat(searcher.calls).isEmpty();
  }

  @Test
  void requestsAreValidated() {
    assertThatThrownBy(() -> request(" ", 10, SearchMode.HYBRID)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> request("q", 0, SearchMode.HYBRID)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SearchRequest("q", 1, null, " ", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SearchMode.parse("fuzzy")).hasMessageContaining("keyword, vector, hybrid");
    assertThat(SearchMode.parse(" Keyword ")).isEqualTo(SearchMode.KEYWORD);
    assertThat(new SearchRequest("q", 3, null, null, null))
        .isEqualTo(new SearchRequest("q", 3, SearchMode.HYBRID, "default", Map.of()));
  }

  @Test
  void configIsValidatedWithDocumentedDefaults() {
    assertThat(SearchConfig.defaults()).isEqualTo(new SearchConfig(10, 50, 100, Fusion.WEIGHTED, 0.5, 50));
    assertThatThrownBy(() -> new SearchConfig(0, 50, 100)).hasMessageContaining("rrfK");
    assertThatThrownBy(() -> new SearchConfig(60, 0, 100)).hasMessageContaining("candidatesPerRetriever");
    assertThatThrownBy(() -> new SearchConfig(60, 50, 0)).hasMessageContaining("maxK");
  }

  @Test
  void tookMsMeasuresTheSearch() throws IOException {
    searcher.beforeKeyword = () -> {
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    };

    assertThat(service.search(request("q", 10, SearchMode.KEYWORD)).tookMs()).isBetween(30L, 5_000L);
  }

  @Test
  void latencyIsTimedPerModeWithAHistogram() throws IOException {
    service.search(request("q", 10, SearchMode.HYBRID));
    service.search(request("q", 10, SearchMode.HYBRID));
    service.search(request("q", 10, SearchMode.VECTOR));

    assertThat(registry.get("ragstream.query.latency").tag("mode", "hybrid").timer().count()).isEqualTo(2);
    assertThat(registry.get("ragstream.query.latency").tag("mode", "vector").timer().count()).isEqualTo(1);
    assertThat(registry.get("ragstream.query.latency").tag("mode", "keyword").timer().count()).isZero();
  }

  @Test
  void latencyPublishesAPercentileHistogramToPrometheus() throws IOException {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (SearchService s = new SearchService(searcher, new FakeEmbeddingModel(), SearchConfig.defaults(), prometheus)) {
      s.search(request("q", 10, SearchMode.KEYWORD));
    }

    assertThat(prometheus.scrape()).contains("ragstream_query_latency_seconds_bucket{mode=\"keyword\",le=")
        .contains("ragstream_query_latency_seconds_count{mode=\"keyword\"} 1");
  }

  private static SearchResult find(List<SearchResult> results, String chunkId) {
    return results.stream().filter(r -> r.chunkId().equals(chunkId)).findFirst().orElseThrow();
  }
}
