package io.ragstream.query.cache;

import io.ragstream.query.SearchResponse;
import java.util.Optional;

/**
 * Cached search responses, invalidated per document.
 *
 * <p>Invalidation and concurrent searches race: a search that read the index just before a document's update became
 * visible may finish after the update's invalidation ran, and would then cache the old version. So a caller reads
 * {@link #sequence()} before it searches and hands it to {@link #put}; the cache drops the put if any invalidation
 * happened since. That costs a few skipped puts while documents change and never serves a stale answer from this
 * process.
 */
public interface QueryCache extends AutoCloseable {

  /** The cached response, if any. */
  Optional<SearchResponse> get(CacheKey key);

  /** A counter that every invalidation advances; read it before searching. */
  long sequence();

  /**
   * Caches the response unless an invalidation happened after {@code observedSequence} was read.
   *
   * @return whether it was stored
   */
  boolean put(CacheKey key, SearchResponse response, long observedSequence);

  /** Drops every entry whose results hold a chunk of this document. */
  void invalidate(String tenant, String docId);

  /**
   * Drops every entry of the tenant: new or changed chunks may enter any ranking of the tenant's, including answers
   * that held none of the document's chunks before.
   */
  void invalidateTenant(String tenant);

  /** Entries held now (approximate for shared caches); for tests and metrics. */
  long size();

  /** "caffeine" or "redis", for logs and metric tags. */
  String kind();

  /**
   * Whether several query-service instances share this cache: then one instance's consumer handling an index event
   * suffices (a consumer group), otherwise every instance must see every event.
   */
  boolean shared();

  @Override
  default void close() {}
}
