package io.ragstream.indexer.store;

import java.io.IOException;
import java.util.Optional;

/**
 * The write side of a store. {@link #write} returns only once the batch is durable: the indexer commits its Kafka
 * offsets after it returns, so a batch that threw is retried (and, being idempotent, may be applied twice safely).
 */
public interface ChunkStore extends AutoCloseable {

  /** Short name for logs, metrics and index events, e.g. {@code lucene}. */
  String name();

  /** The index generation this store writes, e.g. {@code g1}. */
  String generation();

  /**
   * The embedding model of the vectors this store holds (one per generation), or empty when it does not know or
   * holds no vector yet. An indexer re-embeds chunks of another model before writing them here.
   */
  default Optional<String> modelId() throws IOException {
    return Optional.empty();
  }

  /** Applies the batch and makes it durable and visible to searches. */
  void write(WriteBatch batch) throws IOException;

  @Override
  void close() throws IOException;
}
