package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.query.cache.CaffeineQueryCache;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CachedSearchTest {
  private final FakeChunkSearcher searcher = new FakeChunkSearcher()
      .keyword(hit(chunk("a", "doc1"), 2f)).vector(hit(chunk("a", "doc1"), 0.9f));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CaffeineQueryCache cache = new CaffeineQueryCache(100, Duration.ofMinutes(5));
  private final AtomicReference<String> generation = new AtomicReference<>("g1");
  private final SearchService service = SearchService.builder(searcher, new FakeEmbeddingModel())
      .registry(registry).cache(cache, generation::get).build();

  @Test
  void aRepeatedQueryIsAnsweredFromTheCacheAndCountedAsAHit() throws IOException {
    SearchResponse first = service.search(SearchRequest.of("Heart attack"));
    SearchResponse second = service.search(SearchRequest.of("heart   attack"));

    assertThat(first.cached()).isFalse();
    assertThat(second.cached()).isTrue();
    assertThat(second.results()).isEqualTo(first.results());
    assertThat(searcher.calls).as("retrievers ran once").hasSize(2);
    assertThat(registry.get(SearchService.CACHE_METER).tag("result", "hit").counter().count()).isEqualTo(1);
    assertThat(registry.get(SearchService.CACHE_METER).tag("result", "miss").counter().count()).isEqualTo(1);
  }

  @Test
  void aNewIndexGenerationMissesEveryOlderEntry() throws IOException {
    service.search(SearchRequest.of("q"));
    generation.set("g2");
    assertThat(service.search(SearchRequest.of("q")).cached()).isFalse();
  }

  @Test
  void anInvalidatedDocumentIsSearchedAgain() throws IOException {
    service.search(SearchRequest.of("q"));
    cache.invalidate(SearchRequest.DEFAULT_TENANT, "doc1");
    assertThat(service.search(SearchRequest.of("q")).cached()).isFalse();
  }
}
