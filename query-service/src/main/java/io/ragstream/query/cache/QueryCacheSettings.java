package io.ragstream.query.cache;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How the query service caches answers, validated on construction. Read from the environment by {@link
 * #fromEnvironment}:
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code RAGSTREAM_QUERY_CACHE}</td><td>{@code caffeine}</td><td>{@code caffeine}, {@code redis} or
 *       {@code off}</td></tr>
 *   <tr><td>{@code RAGSTREAM_QUERY_CACHE_TTL}</td><td>{@code PT5M}</td><td>ISO-8601 duration an entry lives at
 *       most</td></tr>
 *   <tr><td>{@code RAGSTREAM_QUERY_CACHE_MAX_ENTRIES}</td><td>{@code 10000}</td><td>bound of the in-process
 *       cache</td></tr>
 *   <tr><td>{@code RAGSTREAM_REDIS_URI}</td><td>{@code redis://localhost:6379/0}</td><td>for {@code redis}</td></tr>
 *   <tr><td>{@code RAGSTREAM_QUERY_CACHE_PREFIX}</td><td>{@code ragstream:}</td><td>Redis key prefix</td></tr>
 * </table>
 */
public record QueryCacheSettings(Kind kind, Duration ttl, long maxEntries, String redisUri, String prefix) {
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  public static final long DEFAULT_MAX_ENTRIES = 10_000;

  /** Which cache, if any. */
  public enum Kind { CAFFEINE, REDIS, OFF }

  public QueryCacheSettings {
    if (kind == null) {
      throw new IllegalArgumentException("cache kind is required");
    }
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("cache TTL must be positive, got " + ttl);
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cache max entries must be at least 1, got " + maxEntries);
    }
    if (kind == Kind.REDIS && (redisUri == null || !redisUri.startsWith("redis"))) {
      throw new IllegalArgumentException("a Redis cache needs a redis:// or rediss:// URI, got " + redisUri);
    }
  }

  public static QueryCacheSettings defaults() {
    return new QueryCacheSettings(Kind.CAFFEINE, DEFAULT_TTL, DEFAULT_MAX_ENTRIES, null, "ragstream:");
  }

  /** Reads the variables above; an invalid value throws, naming the variable. */
  public static QueryCacheSettings fromEnvironment(Map<String, String> env) {
    String kind = env.getOrDefault("RAGSTREAM_QUERY_CACHE", "caffeine");
    String redisUri = env.getOrDefault("RAGSTREAM_REDIS_URI", "redis://localhost:6379/0");
    Kind parsed;
    String lower = kind.strip().toLowerCase(Locale.ROOT);
    if (lower.startsWith("redis://") || lower.startsWith("rediss://")) {
      // a Redis URI as the kind (what a Spring or compose user writes) means "redis, at this URI"
      if (env.containsKey("RAGSTREAM_REDIS_URI")) {
        throw new IllegalArgumentException("RAGSTREAM_QUERY_CACHE is a Redis URI and RAGSTREAM_REDIS_URI is set too:"
            + " set RAGSTREAM_QUERY_CACHE=redis and the URI in RAGSTREAM_REDIS_URI");
      }
      parsed = Kind.REDIS;
      redisUri = kind.strip();
    } else try {
      parsed = Kind.valueOf(kind.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("RAGSTREAM_QUERY_CACHE must be caffeine, redis (or a redis:// URI) or off,"
          + " got " + kind, e);
    }
    Duration ttl;
    String ttlText = env.getOrDefault("RAGSTREAM_QUERY_CACHE_TTL", DEFAULT_TTL.toString());
    try {
      ttl = Duration.parse(ttlText);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("RAGSTREAM_QUERY_CACHE_TTL must be an ISO-8601 duration such as PT5M, got "
          + ttlText, e);
    }
    long max;
    String maxText = env.getOrDefault("RAGSTREAM_QUERY_CACHE_MAX_ENTRIES", Long.toString(DEFAULT_MAX_ENTRIES));
    try {
      max = Long.parseLong(maxText.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("RAGSTREAM_QUERY_CACHE_MAX_ENTRIES must be a number, got " + maxText, e);
    }
    return new QueryCacheSettings(parsed, ttl, max, redisUri,
        env.getOrDefault("RAGSTREAM_QUERY_CACHE_PREFIX", "ragstream:"));
  }

  /** The configured cache, or empty when off; a Redis cache connects now and fails fast if it cannot. */
  public Optional<QueryCache> open() {
    return switch (kind) {
      case OFF -> Optional.empty();
      case CAFFEINE -> Optional.of(new CaffeineQueryCache(maxEntries, ttl));
      case REDIS -> Optional.of(RedisQueryCache.connect(redisUri, prefix, ttl));
    };
  }
}
