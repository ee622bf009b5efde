package io.ragstream.query.cache;

import static io.ragstream.query.cache.CaffeineQueryCacheTest.key;
import static io.ragstream.query.cache.CaffeineQueryCacheTest.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.query.SearchResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Against a real redis-server process. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisQueryCacheIT {
  private RedisServerProcess redis;
  private RedisQueryCache cache;

  @BeforeAll
  void start() throws Exception {
    redis = RedisServerProcess.start();
    cache = RedisQueryCache.connect(redis.uri(), "test:", Duration.ofMinutes(5));
  }

  @AfterAll
  void stop() throws Exception {
    if (cache != null) {
      cache.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aStoredResponseComesBackEqual() {
    SearchResponse stored = response("r1", "r2");
    cache.put(key("round trip", "t"), stored, cache.sequence());
    assertThat(cache.get(key("round trip", "t"))).contains(stored);
  }

  @Test
  void invalidatingADocumentDropsExactlyTheEntriesHoldingIt() {
    cache.put(key("both", "t"), response("a", "b"), cache.sequence());
    cache.put(key("only b", "t"), response("b"), cache.sequence());
    cache.put(key("a elsewhere", "other"), response("a"), cache.sequence());

    cache.invalidate("t", "a");

    assertThat(cache.get(key("both", "t"))).isEmpty();
    assertThat(cache.get(key("only b", "t"))).isPresent();
    assertThat(cache.get(key("a elsewhere", "other"))).as("another tenant's document a").isPresent();
  }

  @Test
  void invalidatingATenantDropsAllOfItsEntriesOnly() {
    cache.put(key("one", "tenant-x"), response("a"), cache.sequence());
    cache.put(key("two", "tenant-x"), response("b"), cache.sequence());
    cache.put(key("three", "tenant-y"), response("a"), cache.sequence());

    cache.invalidateTenant("tenant-x");

    assertThat(cache.get(key("one", "tenant-x"))).isEmpty();
    assertThat(cache.get(key("two", "tenant-x"))).isEmpty();
    assertThat(cache.get(key("three", "tenant-y"))).isPresent();
  }

  @Test
  void aPutRacingWithAnInvalidationIsDropped() {
    long before = cache.sequence();
    cache.invalidate("t", "z");
    assertThat(cache.put(key("racing", "t"), response("z"), before)).isFalse();
    assertThat(cache.get(key("racing", "t"))).isEmpty();
  }

  @Test
  void entriesExpireAfterTheTtl() throws Exception {
    try (RedisQueryCache shortLived = RedisQueryCache.connect(redis.uri(), "short:", Duration.ofMillis(100))) {
      shortLived.put(key("q", "t"), response("a"), shortLived.sequence());
      assertThat(shortLived.get(key("q", "t"))).isPresent();
      Thread.sleep(250);
      assertThat(shortLived.get(key("q", "t"))).isEmpty();
    }
  }
}
