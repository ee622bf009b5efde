package io.ragstream.chunker.code;

import io.ragstream.embedding.ModelTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The fallback for source code without a parser: a new unit starts at a line in column 0 after a blank line, which
 * is where top-level definitions start in nearly every language's conventional layout; a unit too large is cut
 * into lines. Knows no names, so its units carry no class or function.
 */
final class HeuristicCodeSplitter {
  private final ModelTokenizer tokenizer;
  private final LineSplitter lines;

  HeuristicCodeSplitter(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
    this.lines = new LineSplitter(tokenizer);
  }

  List<CodeUnit> split(String source, int maxTokens) {
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    boolean blankBefore = false;
    int lineStart = 0;
    while (lineStart < source.length()) {
      int nl = source.indexOf('\n', lineStart);
      int lineEnd = nl < 0 ? source.length() : nl + 1;
      String line = source.substring(lineStart, lineEnd);
      boolean blank = line.isBlank();
      char first = blank ? ' ' : line.charAt(0);
      if (blankBefore && !blank && !Character.isWhitespace(first) && first != '}' && first != ')' && lineStart > 0) {
        starts.add(lineStart);
      }
      blankBefore = blank;
      lineStart = lineEnd;
    }
    starts.add(source.length());
    List<CodeUnit> units = new ArrayList<>();
    for (int i = 0; i + 1 < starts.size(); i++) {
      int from = starts.get(i);
      int to = starts.get(i + 1);
      if (tokenizer.countTokens(source.substring(from, to)) <= maxTokens) {
        units.add(new CodeUnit(from, to, List.of(), null, true));
      } else {
        List<Integer> cuts = lines.cuts(source, from, to, maxTokens);
        for (int k = 0; k + 1 < cuts.size(); k++) {
          units.add(new CodeUnit(cuts.get(k), cuts.get(k + 1), List.of(), null, true));
        }
      }
    }
    return units;
  }
}
