package io.ragstream.indexer.generation;

/**
 * What one generation of one store holds.
 *
 * @param documents distinct document ids with at least one chunk, across tenants
 * @param chunks chunks
 */
public record GenerationCounts(long documents, long chunks) {
  public static final GenerationCounts EMPTY = new GenerationCounts(0, 0);
}
