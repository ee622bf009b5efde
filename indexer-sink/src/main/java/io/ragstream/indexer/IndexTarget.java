package io.ragstream.indexer;

import io.ragstream.indexer.generation.GenerationCatalog;
import io.ragstream.indexer.store.ChunkStore;
import java.io.IOException;
import java.util.Objects;

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

  /** Opens the store of one generation for writing; the caller closes it. */
  @FunctionalInterface
  interface Opener {
    ChunkStore open(String generation) throws IOException;
  }

  /**
   * Follows a store's alias: writes the generation {@code catalog} serves (else {@code fallback}, before the first
   * swap), each opened with {@code opener} and closed when the worker leaves it. For stores whose catalog is a
   * server-side alias (Qdrant, Elasticsearch) the client is shared and stays the caller's, so opening and closing a
   * generation's store is cheap; the Lucene indexer of {@code up} uses {@code LuceneWriters#followingPointer}
   * instead, which shares each generation's writer with the query side of the same JVM.
   */
  static IndexTarget following(GenerationCatalog catalog, String fallback, Opener opener) {
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(fallback, "fallback");
    Objects.requireNonNull(opener, "opener");
    return new IndexTarget() {
      @Override
      public String current() throws IOException {
        return catalog.currentOr(fallback);
      }

      @Override
      public ChunkStore open(String generation) throws IOException {
        return opener.open(generation);
      }

      @Override
      public void release(ChunkStore store) throws IOException {
        if (store != null) {
          store.close();
        }
      }
    };
  }
}
