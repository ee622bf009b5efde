package io.ragstream.indexer.store;

import java.io.IOException;

/**
 * The write side of a store. {@link #write} returns only once the batch is durable: the indexer commits its Kafka
 * offsets after it returns, so a batch that threw is retried (and, being idempotent, may be applied twice safely).
 */
public interface ChunkStore extends AutoCloseable {

  /** Short name for logs, metrics and index events, e.g. {@code lucene}. */
  String name();

  /** The index generation this store writes, e.g. {@code g1}. */
  String generation();

  /** Applies the batch and makes it durable and visible to searches. */
  void write(WriteBatch batch) throws IOException;

  @Override
  void close() throws IOException;
}
