package io.ragstream.indexer.store;

import java.util.List;
import java.util.Map;

/**
 * A chunk as a store holds it: its text and metadata for keyword search and display, its vector for vector search.
 *
 * @param vector the embedding, or null when the store's read side does not return vectors
 */
public record StoredChunk(
    String chunkId,
    String docId,
    String tenant,
    long documentVersion,
    int ordinal,
    String title,
    List<String> headings,
    String text,
    String sourceName,
    Map<String, String> metadata,
    String modelId,
    float[] vector,
    long ingestedAt) {

  public StoredChunk {
    headings = List.copyOf(headings);
    metadata = Map.copyOf(metadata);
  }
}
