package io.ragstream.query.cache;

import static io.ragstream.query.cache.CaffeineQueryCacheTest.key;
import static io.ragstream.query.cache.CaffeineQueryCacheTest.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IndexEventInvalidationTest {
  private final CaffeineQueryCache cache = new CaffeineQueryCache(100, Duration.ofMinutes(5));
  private final IndexEventInvalidation invalidation = new IndexEventInvalidation(cache);

  @BeforeEach
  void fill() {
    cache.put(key("holds a", "t"), response("a", "b"), cache.sequence());
    cache.put(key("holds b", "t"), response("b"), cache.sequence());
    cache.put(key("other tenant", "u"), response("a"), cache.sequence());
  }

  @Test
  void aDeleteEvictsOnlyTheAnswersHoldingTheDocument() {
    invalidation.apply(event("a", IndexEventKind.DELETED, 0, 2));

    assertThat(cache.get(key("holds a", "t"))).isEmpty();
    assertThat(cache.get(key("holds b", "t"))).isPresent();
    assertThat(cache.get(key("other tenant", "u"))).isPresent();
  }

  @Test
  void newChunksEvictEveryAnswerOfTheTenantSinceTheyMayEnterAnyRanking() {
    invalidation.apply(event("new-doc", IndexEventKind.INDEXED, 3, 0));

    assertThat(cache.get(key("holds a", "t"))).isEmpty();
    assertThat(cache.get(key("holds b", "t"))).isEmpty();
    assertThat(cache.get(key("other tenant", "u"))).as("another tenant's answers").isPresent();
  }

  @Test
  void anEditThatOnlyDroppedChunksActsLikeADelete() {
    invalidation.apply(event("a", IndexEventKind.INDEXED, 0, 1));

    assertThat(cache.get(key("holds a", "t"))).isEmpty();
    assertThat(cache.get(key("holds b", "t"))).isPresent();
  }

  private static IndexEvent event(String docId, IndexEventKind kind, int upserted, int deleted) {
    return IndexEvent.newBuilder().setDocId(docId).setTenant("t").setKind(kind).setChunksUpserted(upserted)
        .setChunksDeleted(deleted).setStore("lucene").setGeneration("g1").setIndexedAt(Instant.now()).build();
  }
}
