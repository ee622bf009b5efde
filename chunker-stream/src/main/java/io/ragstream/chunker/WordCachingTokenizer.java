package io.ragstream.chunker;

import io.ragstream.embedding.ModelTokenizer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts tokens as the sum of the tokens of each whitespace-separated word, with the words' counts cached. The
 * tokenizer is the chunker's main cost (a native call of about 100 µs each), and the chunker asks for the size of the
 * same words many times (sentences, sections, joined pieces); a cache turns that into a few hash lookups.
 *
 * <p>The sum is exact only for tokenizers whose pre-tokenizer splits at whitespace first (BERT's WordPiece, which
 * the shipped models use). {@link #over} checks that property on sample texts and returns the tokenizer itself when
 * it does not hold. For WordPiece the sum is exact by construction: its normaliser works per character and its
 * pre-tokenizer splits at whitespace before anything else, so no token spans two words. The property tests compare
 * every chunk's count with the tokenizer's. Thread-safe.
 */
final class WordCachingTokenizer implements ModelTokenizer {
  private static final List<String> SAMPLES = List.of(
      "Hello, world! It's 3.14 today, isn't it?", "naïve café — résumé über Straße", "foo_bar(baz) -> qux; x+=1",
      "数据 chunking 在 Kafka 中", "https://example.com/a?b=c&d=e", "  leading and\ttabs\nnewlines  ",
      "CamelCaseIdentifiers andSnake_case_words 12345678901234");
  /** Enough for a large corpus's vocabulary; cleared (not evicted one by one) when full, which is rare and cheap. */
  private static final int MAX_WORDS = 500_000;

  private final ModelTokenizer tokenizer;
  private final ConcurrentHashMap<String, Integer> words = new ConcurrentHashMap<>();

  private WordCachingTokenizer(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** A caching counter over {@code tokenizer} when its counts add up over words, else {@code tokenizer} itself. */
  static ModelTokenizer over(ModelTokenizer tokenizer) {
    WordCachingTokenizer caching = new WordCachingTokenizer(tokenizer);
    for (String sample : SAMPLES) {
      if (caching.countTokens(sample) != tokenizer.countTokens(sample)) {
        return tokenizer;
      }
    }
    return caching;
  }

  @Override
  public int countTokens(String text) {
    int total = 0;
    int start = -1;
    for (int i = 0; i <= text.length(); i++) {
      boolean space = i == text.length() || Character.isWhitespace(text.charAt(i));
      if (space && start >= 0) {
        total += word(text.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
    }
    return total;
  }

  private int word(String word) {
    Integer cached = words.get(word);
    if (cached != null) {
      return cached;
    }
    if (words.size() >= MAX_WORDS) {
      words.clear();
    }
    int count = tokenizer.countTokens(word);
    words.put(word, count);
    return count;
  }

  @Override
  public int specialTokens() {
    return tokenizer.specialTokens();
  }

  @Override
  public int prefixEnd(String text, int maxTokens) {
    return tokenizer.prefixEnd(text, maxTokens);
  }
}
