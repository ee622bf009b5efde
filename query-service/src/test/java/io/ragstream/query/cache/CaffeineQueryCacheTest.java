package io.ragstream.query.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.query.SearchMode;
import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchResponse;
import io.ragstream.query.SearchResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaffeineQueryCacheTest {
  private final CaffeineQueryCache cache = new CaffeineQueryCache(100, Duration.ofMinutes(5));

  static SearchResponse response(String... docIds) {
    return new SearchResponse(java.util.Arrays.stream(docIds).map(d -> new SearchResult(d + "#0", d, 1.0, "text of "
        + d, List.of(), Map.of(), "", Map.of(), Map.of())).toList(), 3, SearchMode.HYBRID);
  }

  static CacheKey key(String query, String tenant) {
    return CacheKey.of(new SearchRequest(query, 10, SearchMode.HYBRID, tenant, Map.of()), "settings", "g1");
  }

  @Test
  void invalidatingADocumentDropsExactlyTheEntriesHoldingIt() {
    CacheKey both = key("both", "t");
    CacheKey onlyB = key("only b", "t");
    cache.put(both, response("a", "b"), cache.sequence());
    cache.put(onlyB, response("b"), cache.sequence());

    cache.invalidate("t", "a");

    assertThat(cache.get(both)).isEmpty();
    assertThat(cache.get(onlyB)).isPresent();
  }

  @Test
  void invalidationIsPerTenant() {
    CacheKey key = key("q", "t1");
    cache.put(key, response("a"), cache.sequence());
    cache.invalidate("t2", "a");
    assertThat(cache.get(key)).isPresent();
  }

  @Test
  void aPutRacingWithAnInvalidationIsDropped() {
    long before = cache.sequence();
    cache.invalidate("t", "a"); // the document changed while the search was running
    assertThat(cache.put(key("q", "t"), response("a"), before)).isFalse();
    assertThat(cache.get(key("q", "t"))).isEmpty();
    assertThat(cache.put(key("q", "t"), response("a"), cache.sequence())).isTrue();
  }

  @Test
  void entriesExpireAfterTheTtl() throws InterruptedException {
    CaffeineQueryCache shortLived = new CaffeineQueryCache(10, Duration.ofMillis(50));
    shortLived.put(key("q", "t"), response("a"), shortLived.sequence());
    Thread.sleep(120);
    assertThat(shortLived.get(key("q", "t"))).isEmpty();
  }

  @Test
  void keysSeparateEveryAnswerChangingParameterButNotWhitespaceOrCase() {
    SearchRequest base = new SearchRequest("Heart  attack ", 10, SearchMode.HYBRID, "t", Map.of("lang", "en"));
    CacheKey k = CacheKey.of(base, "s", "g1");
    assertThat(CacheKey.of(new SearchRequest("heart attack", 10, SearchMode.HYBRID, "t", Map.of("lang", "en")),
        "s", "g1")).isEqualTo(k);
    assertThat(List.of(
        CacheKey.of(new SearchRequest("heart attack", 11, SearchMode.HYBRID, "t", Map.of("lang", "en")), "s", "g1"),
        CacheKey.of(new SearchRequest("heart attack", 10, SearchMode.VECTOR, "t", Map.of("lang", "en")), "s", "g1"),
        CacheKey.of(new SearchRequest("heart attack", 10, SearchMode.HYBRID, "u", Map.of("lang", "en")), "s", "g1"),
        CacheKey.of(new SearchRequest("heart attack", 10, SearchMode.HYBRID, "t", Map.of("lang", "de")), "s", "g1"),
        CacheKey.of(new SearchRequest("heart attack", 10, SearchMode.HYBRID, "t", Map.of("lang", "en"), true),
            "s", "g1"),
        CacheKey.of(base, "other settings", "g1"),
        CacheKey.of(base, "s", "g2"))).doesNotContain(k).doesNotHaveDuplicates();
  }

  @Test
  void keysSeparateCallersByTheirPrincipalsButNotByTheirOrder() {
    SearchRequest base = new SearchRequest("roadmap", 10, SearchMode.HYBRID, "t", Map.of());
    CacheKey unrestricted = CacheKey.of(base, "s", "g1");
    CacheKey eng = CacheKey.of(base.withPrincipals(List.of("group:eng", "user:ann")), "s", "g1");
    assertThat(CacheKey.of(base.withPrincipals(List.of("user:ann", "group:eng")), "s", "g1")).isEqualTo(eng);
    assertThat(List.of(unrestricted, eng,
        CacheKey.of(base.withPrincipals(List.of("group:sales")), "s", "g1"),
        CacheKey.of(base.withPrincipals(List.of()), "s", "g1"),
        // length-prefixed: one principal "a\nb" is not two principals "a" and "b"
        CacheKey.of(base.withPrincipals(List.of("group:eng\nuser:ann")), "s", "g1")))
        .doesNotHaveDuplicates();
  }
}
