package io.ragstream.query.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ragstream.query.SearchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A query cache in Redis (Lettuce), shared by every query-service instance. Entries are JSON strings under {@code
 * <prefix>q:<digest>} with a TTL; each document has a set {@code <prefix>d:<tenant>:<docId>} of the entry keys that
 * hold it, and each tenant a set {@code <prefix>t:<tenant>} of all its entries, both with the TTL renewed on every
 * put, so an invalidation deletes exactly the listed entries, atomically, in one Lua script. (A set may list entries
 * already expired; deleting a missing key is a no-op.)
 *
 * <p>The put-versus-invalidation race ({@link QueryCache}) is closed within this process by a local sequence, as in
 * {@link CaffeineQueryCache}. Across instances a window remains in which another instance, whose search started
 * before the update was visible, stores the old answer after the invalidation ran; the TTL bounds it (docs/QUERY.md).
 */
public final class RedisQueryCache implements QueryCache {
  // deletes every entry listed in the document's set, then the set itself
  private static final String INVALIDATE = """
      local keys = redis.call('SMEMBERS', KEYS[1])
      for i = 1, #keys, 500 do
        redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
      end
      redis.call('DEL', KEYS[1])
      return #keys
      """;

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final String prefix;
  private final Duration ttl;
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final AtomicLong sequence = new AtomicLong();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();

  private RedisQueryCache(RedisClient client, String prefix, Duration ttl) {
    this.client = client;
    this.connection = client.connect();
    this.redis = connection.sync();
    this.prefix = prefix;
    this.ttl = ttl;
  }

  /**
   * Connects, failing fast if Redis cannot be reached.
   *
   * @param uri e.g. {@code redis://localhost:6379/0}; credentials and TLS as Lettuce's {@link RedisURI} takes them
   * @param prefix namespaces the keys, so several deployments can share one Redis
   */
  public static RedisQueryCache connect(String uri, String prefix, Duration ttl) {
    Objects.requireNonNull(prefix, "prefix");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, got " + ttl);
    }
    RedisURI parsed = RedisURI.create(uri);
    RedisClient client = RedisClient.create(parsed);
    try {
      return new RedisQueryCache(client, prefix, ttl);
    } catch (RuntimeException e) {
      client.shutdown();
      // the host and port only: the URI may carry the password (docker-compose.yml's does)
      throw new IllegalStateException("cannot connect to Redis at " + parsed.getHost() + ":" + parsed.getPort()
          + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<SearchResponse> get(CacheKey key) {
    String value = redis.get(entryKey(key));
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(json.readValue(value, SearchResponse.class));
    } catch (JsonProcessingException e) {
      // an entry written by an incompatible version is a miss, and goes so it is not read again
      redis.del(entryKey(key));
      return Optional.empty();
    }
  }

  @Override
  public long sequence() {
    return sequence.get();
  }

  @Override
  public boolean put(CacheKey key, SearchResponse response, long observedSequence) {
    String value;
    try {
      value = json.writeValueAsString(response);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a search response must serialise to JSON", e);
    }
    lock.readLock().lock();
    try {
      if (sequence.get() != observedSequence) {
        return false;
      }
      String entry = entryKey(key);
      // references first: an entry must never be visible without the sets that invalidation reads
      for (String ref : DocumentIndex.refs(key.tenant(), response)) {
        String set = documentKey(ref);
        redis.sadd(set, entry);
        redis.pexpire(set, ttl.toMillis());
      }
      String tenantSet = tenantKey(key.tenant());
      redis.sadd(tenantSet, entry);
      redis.pexpire(tenantSet, ttl.toMillis());
      redis.set(entry, value, SetArgs.Builder.px(ttl.toMillis()));
      return true;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void invalidate(String tenant, String docId) {
    lock.writeLock().lock();
    try {
      sequence.incrementAndGet();
      redis.eval(INVALIDATE, ScriptOutputType.INTEGER, documentKey(DocumentIndex.ref(tenant, docId)));
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void invalidateTenant(String tenant) {
    lock.writeLock().lock();
    try {
      sequence.incrementAndGet();
      redis.eval(INVALIDATE, ScriptOutputType.INTEGER, tenantKey(tenant));
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public long size() {
    return redis.keys(prefix + "q:*").size();
  }

  @Override
  public String kind() {
    return "redis";
  }

  @Override
  public boolean shared() {
    return true;
  }

  private String entryKey(CacheKey key) {
    return prefix + "q:" + key.digest();
  }

  private String documentKey(String ref) {
    // the NUL separator of the reference is not printable in redis-cli; hex keeps keys inspectable and unambiguous
    return prefix + "d:" + java.util.HexFormat.of().formatHex(ref.getBytes(StandardCharsets.UTF_8));
  }

  private String tenantKey(String tenant) {
    return prefix + "t:" + java.util.HexFormat.of().formatHex(tenant.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
