package io.ragstream.indexer.store;

import java.util.List;

/**
 * One batch of writes. Upserts replace any chunk with the same id; deletes of absent ids are no-ops. Both are
 * idempotent, so replaying a batch after a crash leaves the store as if it had been applied once.
 */
public record WriteBatch(List<StoredChunk> upserts, List<String> deletes) {
  public WriteBatch {
    upserts = List.copyOf(upserts);
    deletes = List.copyOf(deletes);
  }

  public boolean isEmpty() {
    return upserts.isEmpty() && deletes.isEmpty();
  }
}
