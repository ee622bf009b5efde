package io.ragstream.chunker;

/**
 * Size limits for one content kind, in tokens of the embedding model (special tokens not counted).
 *
 * @param targetTokens a chunk is closed once the next piece would pass this size
 * @param minTokens a section with less body than this is merged with an adjacent one (text only)
 * @param maxTokens hard limit: no chunk is larger, and a unit up to this size (a table, a list with its lead-in, a
 *     function) is kept whole even when it passes the target
 * @param overlapTokens how much of the previous chunk's last sentences a continuation chunk repeats (text only)
 */
public record ChunkSize(int targetTokens, int minTokens, int maxTokens, int overlapTokens) {

  /** Checks the limits against each other and against the model's limit; names {@code kind} in the message. */
  void validate(String kind, int modelMaxTokens) {
    require(maxTokens >= 8 && maxTokens <= modelMaxTokens, kind, "max-tokens", maxTokens,
        "between 8 and the model's limit " + modelMaxTokens);
    require(targetTokens >= 8 && targetTokens <= maxTokens, kind, "target-tokens", targetTokens,
        "between 8 and max-tokens " + maxTokens);
    require(minTokens >= 0 && minTokens <= targetTokens, kind, "min-tokens", minTokens,
        "between 0 and target-tokens " + targetTokens);
    // more than half would make every chunk mostly a repeat of the previous one
    require(overlapTokens >= 0 && overlapTokens <= targetTokens / 2, kind, "overlap-tokens", overlapTokens,
        "between 0 and half of target-tokens (" + targetTokens / 2 + ")");
  }

  private static void require(boolean ok, String kind, String name, int value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("chunker." + kind + "." + name + " must be " + rule + ", got " + value);
    }
  }
}
