package io.ragstream.chunker.code;

import io.ragstream.embedding.ModelTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a range of source code that has no smaller syntax unit left into runs of whole lines of at most
 * {@code maxTokens}; a single line longer than that (minified code) is cut at the token limit.
 */
final class LineSplitter {
  private final ModelTokenizer tokenizer;

  LineSplitter(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Offsets that cut {@code [from, to)} into pieces: the returned list starts with from and ends with to. */
  List<Integer> cuts(String source, int from, int to, int maxTokens) {
    List<Integer> cuts = new ArrayList<>();
    cuts.add(from);
    int start = from;
    int lineStart = from;
    while (lineStart < to) {
      int nl = source.indexOf('\n', lineStart);
      int lineEnd = nl < 0 || nl >= to ? to : nl + 1;
      if (lineStart > start && tokenizer.countTokens(source.substring(start, lineEnd)) > maxTokens) {
        cuts.add(lineStart);
        start = lineStart;
      }
      if (tokenizer.countTokens(source.substring(start, lineEnd)) > maxTokens) {
        // one line alone is too long: cut it at the limit
        int at = start;
        while (tokenizer.countTokens(source.substring(at, lineEnd)) > maxTokens) {
          at += Math.max(1, tokenizer.prefixEnd(source.substring(at, lineEnd), maxTokens));
          cuts.add(at);
        }
        start = at;
      }
      lineStart = lineEnd;
    }
    if (cuts.getLast() != to) {
      cuts.add(to);
    }
    return cuts;
  }
}
