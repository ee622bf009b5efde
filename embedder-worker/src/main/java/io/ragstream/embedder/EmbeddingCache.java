package io.ragstream.embedder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Vectors already computed, by the content hash of the text the model saw. One cache holds one model's vectors, so
 * the key is in effect (model id, content hash): a replay or a re-published identical text is never encoded twice.
 * A vector is a pure function of (model, text), so an entry written by a batch whose transaction later aborts is
 * still correct.
 */
public interface EmbeddingCache extends AutoCloseable {

  /** The vectors found, by hash; hashes not cached are absent. */
  Map<String, float[]> getAll(List<String> contentHashes);

  /** Stores vectors by hash. */
  void putAll(Map<String, float[]> vectors);

  /** Entries held. */
  int size();

  @Override
  void close();

  /** SHA-256 of the text, hex: the content part of the cache key. */
  static String contentHash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** A cache that holds nothing: every lookup misses. */
  static EmbeddingCache disabled() {
    return new EmbeddingCache() {
      @Override
      public Map<String, float[]> getAll(List<String> contentHashes) {
        return Map.of();
      }

      @Override
      public void putAll(Map<String, float[]> vectors) {}

      @Override
      public int size() {
        return 0;
      }

      @Override
      public void close() {}
    };
  }
}
