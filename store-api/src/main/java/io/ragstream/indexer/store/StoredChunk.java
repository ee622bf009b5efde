package io.ragstream.indexer.store;

import java.util.List;
import java.util.Map;

/**
 * A chunk as a store holds it: its text and metadata for keyword search and display, its vector for vector search.
 *
 * @param vector the embedding, or null when the store's read side does not return vectors
 * @param acl the document's ACL ({@link DocumentAcl}); empty when the whole tenant may see it
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
    long ingestedAt,
    List<String> acl) {

  public StoredChunk {
    headings = List.copyOf(headings);
    metadata = Map.copyOf(metadata);
    acl = acl == null ? List.of() : List.copyOf(acl);
  }

  /** A chunk of a document without an ACL. */
  public StoredChunk(String chunkId, String docId, String tenant, long documentVersion, int ordinal, String title,
      List<String> headings, String text, String sourceName, Map<String, String> metadata, String modelId,
      float[] vector, long ingestedAt) {
    this(chunkId, docId, tenant, documentVersion, ordinal, title, headings, text, sourceName, metadata, modelId,
        vector, ingestedAt, List.of());
  }
}
