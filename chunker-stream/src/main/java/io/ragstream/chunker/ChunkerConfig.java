package io.ragstream.chunker;

/**
 * How the chunker sizes chunks, in tokens of the embedding model's tokenizer.
 *
 * @param targetTokens a chunk is closed once adding the next piece would pass this size
 * @param maxTokens no chunk is larger: the model's maximum sequence length minus its special tokens
 * @param version part of every chunk id, so a chunker change produces a new generation of ids on replay
 */
public record ChunkerConfig(int targetTokens, int maxTokens, String version) {
  /** On SciFact, all-MiniLM-L6-v2 retrieved best with chunks of at most about 128 tokens. */
  public static final int DEFAULT_TARGET_TOKENS = 128;

  public ChunkerConfig {
    if (maxTokens < 8) {
      throw new IllegalArgumentException("chunk maxTokens must be at least 8, got " + maxTokens);
    }
    if (targetTokens < 8 || targetTokens > maxTokens) {
      throw new IllegalArgumentException(
          "chunk targetTokens must be between 8 and maxTokens (" + maxTokens + "), got " + targetTokens);
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("chunker version is required");
    }
  }

  /** Defaults for a model that accepts {@code modelMaxTokens} including {@code specialTokens}. */
  public static ChunkerConfig forModel(int modelMaxTokens, int specialTokens) {
    int max = modelMaxTokens - specialTokens;
    return new ChunkerConfig(Math.min(DEFAULT_TARGET_TOKENS, max), max, "c1");
  }
}
