package io.ragstream.schemas;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The fingerprints that decide whether a new version of a document changes anything downstream.
 *
 * <p>An ExtractedDocument's {@code contentHash} covers everything that reaches a chunk: the extracted blocks, the
 * title, the source name and the metadata. A re-publish that changes only metadata (or the title) therefore counts as
 * a change: the chunker re-emits the document's chunks with the new metadata, and the stores' filters follow. Its
 * texts are unchanged, so the embedder's cache serves their vectors (no model call where the cache is on).
 * {@link #metadataHash} alone tells the chunker whether the unchanged chunks need re-emitting too.
 *
 * <p>The document's ACL is part of what a chunk carries, so it takes the same path: an ACL-only change re-emits the
 * chunks (re-indexed with the new ACL, vectors from the embedder's cache). An empty ACL adds nothing to the hash, so
 * documents fingerprinted before ACLs existed keep their hashes.
 */
public final class DocumentFingerprints {
  private DocumentFingerprints() {}

  /** SHA-256 (hex) over the blocks' hash, title, source name and metadata (by sorted key). */
  public static String contentHash(String blocksHash, String title, String sourceName, Map<String, String> metadata) {
    return contentHash(blocksHash, title, sourceName, metadata, List.of());
  }

  /** As {@link #contentHash(String, String, String, Map)}, covering the ACL too (as a set). */
  public static String contentHash(String blocksHash, String title, String sourceName, Map<String, String> metadata,
      List<String> acl) {
    return ChunkIds.sha256("blocks\u0000" + blocksHash + "\u0000" + metadataHash(title, sourceName, metadata, acl));
  }

  /** As {@link #metadataHash(String, String, Map, List)} without an ACL. */
  public static String metadataHash(String title, String sourceName, Map<String, String> metadata) {
    return metadataHash(title, sourceName, metadata, List.of());
  }

  /** SHA-256 (hex) over what a chunk carries besides its text: title, source name and metadata (by sorted key). */
  public static String metadataHash(String title, String sourceName, Map<String, String> metadata,
      List<String> acl) {
    StringBuilder text = new StringBuilder("title\u0000").append(title == null ? "\u0001" : title)
        .append("\u0000source\u0000").append(sourceName == null ? "\u0001" : sourceName);
    new TreeMap<>(metadata == null ? Map.<String, String>of() : metadata).forEach((k, v) ->
        text.append("\u0000meta\u0000").append(k).append('\u0000').append(v));
    if (acl != null) {
      new TreeSet<>(acl).forEach(principal -> text.append("\u0000acl\u0000").append(principal));
    }
    return ChunkIds.sha256(text.toString());
  }
}
