package io.ragstream.chunker;

import io.ragstream.embedding.ModelTokenizer;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits prose into sentences (the JDK's {@link BreakIterator}), and text that is too long for one chunk at the
 * model's token limit, preferring a word boundary. Thread-safe: a break iterator is made per call.
 */
final class SentenceSplitter {
  private final ModelTokenizer tokenizer;

  SentenceSplitter(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** The text's sentences; a sentence over {@code maxTokens} is cut into parts of at most that size. */
  List<Piece> sentences(String text, int maxTokens) {
    List<Piece> pieces = new ArrayList<>();
    BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
    sentences.setText(text);
    for (int start = sentences.first(), end = sentences.next(); end != BreakIterator.DONE;
        start = end, end = sentences.next()) {
      String sentence = text.substring(start, end).strip();
      if (!sentence.isEmpty()) {
        pieces.addAll(fit(sentence, tokenizer.countTokens(sentence), maxTokens));
      }
    }
    return pieces;
  }

  /** The text as one piece when it fits, else cut at the token limit. */
  List<Piece> fit(String text, int tokens, int maxTokens) {
    return tokens <= maxTokens ? List.of(new Piece(text, tokens)) : hardSplit(text, maxTokens);
  }

  /**
   * Last resort for a "sentence" longer than a chunk (a flattened table, minified code, a URL list): cut where the
   * tokenizer says the limit is, moved back to the last whitespace when there is one in the second half.
   */
  List<Piece> hardSplit(String text, int maxTokens) {
    List<Piece> pieces = new ArrayList<>();
    String rest = text.strip();
    while (!rest.isEmpty()) {
      int end = tokenizer.prefixEnd(rest, maxTokens);
      if (end < rest.length()) {
        int space = lastWhitespace(rest, end);
        if (space > end / 2) {
          end = space;
        }
        end = Math.max(1, end);
      }
      String part = rest.substring(0, end).strip();
      if (!part.isEmpty()) {
        int tokens = tokenizer.countTokens(part);
        if (tokens > maxTokens && end > 1) {
          // tokenizers may merge across the cut differently than inside the whole text: take a bit less
          end = Math.max(1, tokenizer.prefixEnd(rest, Math.max(1, maxTokens - (tokens - maxTokens) - 1)));
          part = rest.substring(0, end).strip();
          tokens = tokenizer.countTokens(part);
        }
        pieces.add(new Piece(part, tokens));
      }
      rest = rest.substring(end).strip();
    }
    return pieces;
  }

  private static int lastWhitespace(String text, int before) {
    for (int i = before; i > 0; i--) {
      if (Character.isWhitespace(text.charAt(i))) {
        return i;
      }
    }
    return -1;
  }
}
