package io.ragstream.query;

import io.ragstream.indexer.store.StoredChunk;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the index holds of one document: the answer of {@code GET /v1/documents/{docId}}.
 *
 * @param chunks how many chunks are searchable
 * @param documentVersion the newest version among the chunks. While an update is being indexed, new chunks become
 *     searchable before old ones go (DESIGN §3), so chunks of two versions can briefly coexist
 * @param chunkIds in ordinal order
 * @param headings the distinct heading paths, in ordinal order of first appearance
 */
public record DocumentStatus(
    String docId,
    String tenant,
    int chunks,
    long documentVersion,
    String title,
    String sourceName,
    String modelId,
    List<String> chunkIds,
    List<List<String>> headings) {

  /** The status of a document with the given chunks (in ordinal order), or empty when there are none. */
  public static Optional<DocumentStatus> of(String docId, String tenant, List<StoredChunk> chunks) {
    if (chunks.isEmpty()) {
      return Optional.empty();
    }
    StoredChunk newest = chunks.stream()
        .max(Comparator.comparingLong(StoredChunk::documentVersion))
        .orElseThrow();
    Set<List<String>> headings = new LinkedHashSet<>();
    chunks.stream().map(StoredChunk::headings).filter(h -> !h.isEmpty()).forEach(headings::add);
    return Optional.of(new DocumentStatus(docId, tenant, chunks.size(), newest.documentVersion(), newest.title(),
        newest.sourceName(), newest.modelId(), chunks.stream().map(StoredChunk::chunkId).toList(),
        List.copyOf(headings)));
  }
}
