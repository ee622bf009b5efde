package io.ragstream.query.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared cache as docker-compose.yml and deploy/k8s configure it: a Redis that requires a password, reached
 * through {@code RAGSTREAM_QUERY_CACHE=redis} and a {@code RAGSTREAM_REDIS_URI} carrying the user {@code default}
 * and the password (Redis 6+ ACL form).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisPasswordIT {
  private static final String PASSWORD = "compose-redis-s3cret";
  private RedisServerProcess redis;

  @BeforeAll
  void start() throws Exception {
    redis = RedisServerProcess.start("--requirepass", PASSWORD);
  }

  @AfterAll
  void stop() throws Exception {
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void theManifestsFormOfTheSettingsConnectsWithThePassword() throws Exception {
    QueryCacheSettings settings = QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE", "redis",
        "RAGSTREAM_REDIS_URI", "redis://default:" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0"));
    Optional<QueryCache> cache = settings.open();
    assertThat(cache).isPresent();
    try (QueryCache shared = cache.get()) {
      assertThat(shared.shared()).isTrue();
      long sequence = shared.sequence();
      assertThat(shared.sequence()).isEqualTo(sequence);
    }
  }

  @Test
  void aWrongPasswordFailsAtStartWithoutPrintingIt() {
    QueryCacheSettings settings = QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE", "redis",
        "RAGSTREAM_REDIS_URI", "redis://default:not-" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0"));
    assertThatThrownBy(settings::open).hasMessageContaining("cannot connect to Redis at 127.0.0.1:" + redis.port())
        .hasMessageNotContaining(PASSWORD);
  }

  @Test
  void aPasswordUriInTheCacheKindReachesThePasswordProtectedServer() throws Exception {
    // what docker-compose.yml once set: the URI where the kind goes; it means `redis` at that URI
    QueryCacheSettings settings = QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE",
        "redis://default:" + PASSWORD + "@127.0.0.1:" + redis.port() + "/0"));
    try (QueryCache cache = settings.open().orElseThrow()) {
      assertThat(cache).isInstanceOf(RedisQueryCache.class);
    }
  }
}
