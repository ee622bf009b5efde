package io.ragstream.indexer.store;

import java.io.IOException;
import java.util.Map;

/**
 * A {@link ChunkStore#write} outcome where the store applied the batch except for chunks it will never accept (a
 * mapping rejection, a vector of the wrong dimension). Retrying would fail the same way forever, so the indexer
 * dead-letters exactly these chunks and commits: the rest of the batch is durable when this is thrown.
 *
 * <p>An {@link IOException} so that stores keep the {@code write} signature; a store that cannot tell bad input
 * from a transient failure throws a plain {@link IOException}, which the indexer retries.
 */
public final class RejectedChunksException extends IOException {

  private final transient Map<String, String> reasons;

  /** @param reasons chunkId → why the store refused it; never empty */
  public RejectedChunksException(String store, Map<String, String> reasons) {
    super(store + " rejected " + reasons.size() + " chunk(s): " + reasons);
    if (reasons.isEmpty()) {
      throw new IllegalArgumentException("a rejection names at least one chunk");
    }
    this.reasons = Map.copyOf(reasons);
  }

  /** chunkId → the store's reason. */
  public Map<String, String> reasons() {
    return reasons;
  }
}
