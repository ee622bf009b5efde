package io.ragstream.schemas;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.kafka.common.utils.Utils;

/**
 * Content-defined chunk ids and the docId-based partitioning of chunk-keyed topics.
 *
 * <p>A chunk id is {@code <docDigest>-<chunkDigest>}: 16 hex digits of SHA-256(docId), then 24 of
 * SHA-256(docId, chunker version, text). The first part lets any stage route a chunk record (even a tombstone, which
 * has no value) to its document's partition, so a document's upserts and tombstones stay in order end to end; the
 * second makes the id change exactly when the chunk's text (or the chunker) changes.
 *
 * <p>Tenant-scoped identity ({@link DocumentKey}): the second part covers the tenant ({@link #chunkId(DocumentKey,
 * String, String)}), so two tenants' chunks of the same docId and text never share an id (nor a store entry). The
 * first part stays the docId's digest: a document's chunks share a partition with the same docId of every tenant,
 * like its document-keyed records ({@link DocumentKey#partition}), and chunk ids written before tenant-scoped keys
 * existed are exactly the ids written now, so no stored chunk changes id in the upgrade.
 */
public final class ChunkIds {
  private ChunkIds() {}

  /**
   * The id of a chunk of {@code document} with {@code content} (the chunk's heading path and text as the chunker
   * joins them): the tenant is hashed with the content.
   */
  public static String chunkId(DocumentKey document, String chunkerVersion, String content) {
    return chunkId(document.docId(), chunkerVersion, document.tenant() + '\u0000' + content);
  }

  /** A chunk id over {@code docId} and {@code text} alone (tests, tools; the chunker uses the tenant's overload). */
  public static String chunkId(String docId, String chunkerVersion, String text) {
    return digest(docId, 16) + "-" + digest(docId + '\u0000' + chunkerVersion + '\u0000' + text, 24);
  }

  /** The document part of a chunk id. */
  public static String docDigest(String chunkId) {
    int dash = chunkId.indexOf('-');
    if (dash <= 0) {
      throw new IllegalArgumentException("not a chunk id: " + chunkId);
    }
    return chunkId.substring(0, dash);
  }

  /** The partition of a chunk-keyed record: the same for every chunk of a document. */
  public static int partition(String chunkId, int numPartitions) {
    return Utils.toPositive(Utils.murmur2(docDigest(chunkId).getBytes(StandardCharsets.UTF_8))) % numPartitions;
  }

  /** SHA-256 of the text, as lower-case hex. */
  public static String sha256(String text) {
    return digest(text, 64);
  }

  private static String digest(String text, int hexDigits) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, hexDigits);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
