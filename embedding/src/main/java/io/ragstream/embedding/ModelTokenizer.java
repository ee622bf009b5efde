package io.ragstream.embedding;

/** Counts tokens the way the embedding model sees them. */
public interface ModelTokenizer {

  /** Number of tokens of the text, without the model's special tokens ([CLS], [SEP]) and without truncation. */
  int countTokens(String text);

  /** How many tokens the model adds around every input (e.g. 2 for [CLS] and [SEP]). */
  int specialTokens();

  /**
   * Where to cut {@code text} so that the part before the cut holds at most {@code maxTokens} tokens (special
   * tokens not counted): a char index, {@code text.length()} when the whole text fits. Lets a chunker split an
   * over-long paragraph at the model's limit instead of having the model silently truncate it.
   *
   * <p>The default searches with {@link #countTokens}; implementations that know token offsets should override.
   */
  default int prefixEnd(String text, int maxTokens) {
    if (maxTokens < 0) {
      throw new IllegalArgumentException("maxTokens must be >= 0: " + maxTokens);
    }
    int low = 0;
    int high = text.length();
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (countTokens(text.substring(0, mid)) <= maxTokens) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    // never leave half of a surrogate pair on either side
    return low > 0 && low < text.length() && Character.isLowSurrogate(text.charAt(low)) ? low - 1 : low;
  }
}
