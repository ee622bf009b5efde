package io.ragstream.query.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryCacheSettingsTest {
  @Test
  void aRedisUriAsTheKindMeansRedisAtThatUri() {
    QueryCacheSettings s = QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE", "redis://redis:6379"));
    assertThat(s.kind()).isEqualTo(QueryCacheSettings.Kind.REDIS);
    assertThat(s.redisUri()).isEqualTo("redis://redis:6379");
  }

  @Test
  void theKindByNameUsesTheUriVariable() {
    QueryCacheSettings s = QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE", "redis",
        "RAGSTREAM_REDIS_URI", "rediss://cache:6380/1"));
    assertThat(s.kind()).isEqualTo(QueryCacheSettings.Kind.REDIS);
    assertThat(s.redisUri()).isEqualTo("rediss://cache:6380/1");
  }

  @Test
  void twoUrisOrAnUnknownKindAreRefused() {
    assertThatThrownBy(() -> QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE", "redis://a:6379",
        "RAGSTREAM_REDIS_URI", "redis://b:6379"))).hasMessageContaining("RAGSTREAM_REDIS_URI");
    assertThatThrownBy(() -> QueryCacheSettings.fromEnvironment(Map.of("RAGSTREAM_QUERY_CACHE", "memcached")))
        .hasMessageContaining("RAGSTREAM_QUERY_CACHE");
  }
}
