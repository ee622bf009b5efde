package io.ragstream.indexer;

import io.ragstream.indexer.store.ChunkStore;
import java.io.IOException;

/**
 * Which generation an {@link IndexerWorker} writes. The worker asks {@link #current()} between batches; when the
 * answer changes (a {@code generations swap} or a replay moved the alias) it commits what it wrote to the old
 * generation, releases it, and continues in the new one with the new generation's consumer group.
 */
public interface IndexTarget {

  /** The generation to write now. */
  String current() throws IOException;

  /** Opens the store of {@code generation} for writing. */
  ChunkStore open(String generation) throws IOException;

  /** Gives back a store {@link #open} returned. */
  void release(ChunkStore store) throws IOException;

  /** Always the same store, which the caller owns and closes. */
  static IndexTarget fixed(ChunkStore store) {
    return new IndexTarget() {
      @Override
      public String current() {
        return store.generation();
      }

      @Override
      public ChunkStore open(String generation) {
        return store;
      }

      @Override
      public void release(ChunkStore released) {}
    };
  }
}
