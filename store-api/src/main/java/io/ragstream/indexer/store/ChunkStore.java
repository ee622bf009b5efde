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

  /**
   * Chunks this generation holds, exactly (not an estimate): a replay compares it with what it read before it swaps
   * the generation in. Counts everything {@link #write} acknowledged.
   */
  long chunkCount() throws IOException;

  /** Distinct document ids with at least one chunk in this generation, across tenants; exact, like {@link #chunkCount}. */
  long documentCount() throws IOException;

  /**
   * Called once after a bulk load (a replayed generation) and before it is served. Stores whose read performance
   * depends on how a bulk load left them do their one-off work here; the default does nothing.
   */
  default void prepareForServing() throws IOException {}

  @Override
  void close() throws IOException;
}
