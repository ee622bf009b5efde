package io.ragstream.query.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ragstream.query.SearchResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The in-process default: a size-bounded Caffeine cache with a time-to-live, plus a reverse index from each document
 * to the entries holding it, so an index event evicts exactly those entries.
 *
 * <p>Puts hold the read side of a lock and invalidations the write side: a put checks the sequence and inserts
 * without an invalidation in between, while puts do not block each other.
 */
public final class CaffeineQueryCache implements QueryCache {
  private final Cache<CacheKey, SearchResponse> entries;
  private final ConcurrentHashMap<String, Set<CacheKey>> byDocument = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();

  /**
   * @param maxEntries entries kept at most (least recently and frequently used go first)
   * @param ttl how long an entry lives at most; bounds staleness that no document event signals (see
   *     docs/QUERY.md: a newly added document does not evict answers that it would now join)
   */
  public CaffeineQueryCache(long maxEntries, Duration ttl) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, got " + ttl);
    }
    this.entries = Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .expireAfterWrite(ttl)
        .<CacheKey, SearchResponse>evictionListener((key, value, cause) -> forget(key, value))
        .build();
  }

  @Override
  public Optional<SearchResponse> get(CacheKey key) {
    return Optional.ofNullable(entries.getIfPresent(key));
  }

  @Override
  public long sequence() {
    return sequence.get();
  }

  @Override
  public boolean put(CacheKey key, SearchResponse response, long observedSequence) {
    lock.readLock().lock();
    try {
      if (sequence.get() != observedSequence) {
        return false;
      }
      // entry first, then references: an eviction of an older entry under this key, which drops references,
      // then cannot strip the new entry's references (that would make it invisible to invalidation)
      entries.put(key, response);
      for (String ref : DocumentIndex.refs(key.tenant(), response)) {
        byDocument.computeIfAbsent(ref, r -> ConcurrentHashMap.newKeySet()).add(key);
      }
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
      Set<CacheKey> keys = byDocument.remove(DocumentIndex.ref(tenant, docId));
      if (keys != null) {
        for (CacheKey key : keys) {
          forget(key, entries.asMap().remove(key));
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void invalidateTenant(String tenant) {
    lock.writeLock().lock();
    try {
      sequence.incrementAndGet();
      // a scan, bounded by maxEntries; tenants are few, so a per-tenant index would not pay for its upkeep
      for (CacheKey key : entries.asMap().keySet()) {
        if (key.tenant().equals(tenant)) {
          forget(key, entries.asMap().remove(key));
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public long size() {
    entries.cleanUp();
    return entries.estimatedSize();
  }

  @Override
  public String kind() {
    return "caffeine";
  }

  @Override
  public boolean shared() {
    return false;
  }

  /** Drops an entry that left the cache from the key sets of the other documents it held. */
  private void forget(CacheKey key, SearchResponse value) {
    if (key == null || value == null) {
      return;
    }
    for (String ref : DocumentIndex.refs(key.tenant(), value)) {
      byDocument.computeIfPresent(ref, (r, keys) -> {
        keys.remove(key);
        return keys.isEmpty() ? null : keys;
      });
    }
  }
}
