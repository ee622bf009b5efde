package io.ragstream.chunker;

import io.ragstream.chunker.code.CodeLanguage;
import io.ragstream.chunker.code.CodeSplitter;
import io.ragstream.chunker.code.CodeUnit;
import io.ragstream.embedding.ModelTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Chunks a source file: the {@link CodeSplitter}'s units, with adjacent small ones of the same class packed up to the
 * code target (a class's getters together, never two classes' members), each chunk naming its class and functions.
 */
final class CodeChunker {
  /** Tokens kept free for the class and function names in the heading prefix, so the final check rarely splits. */
  private static final int NAME_RESERVE = 16;

  private final ChunkerConfig config;
  private final ModelTokenizer tokenizer;
  private final CodeSplitter splitter;

  CodeChunker(ChunkerConfig config, ModelTokenizer tokenizer, CodeSplitter splitter) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.splitter = splitter;
  }

  /**
   * @param outer the headings the code is under: none for a source file, the section's for a code block in a
   *     document; the chunks' heading paths continue with the class and function names
   * @param prefixTokens the size of the heading prefix of {@code outer}
   */
  List<Draft> chunk(String source, CodeLanguage language, List<String> outer, int prefixTokens) {
    int reserve = config.headingPrefix() ? prefixTokens + NAME_RESERVE : 0;
    int budget = Math.max(8, Math.min(config.code().maxTokens(), config.maxTokens() - reserve));
    int target = Math.min(config.code().targetTokens(), budget);
    List<CodeUnit> units = splitter.split(source, language, target, budget);
    String parser = splitter.parses(language) ? "tree-sitter" : "heuristic";

    List<Draft> drafts = new ArrayList<>();
    int i = 0;
    while (i < units.size()) {
      CodeUnit first = units.get(i);
      int end = i + 1;
      while (end < units.size() && fits(source, units.subList(i, end), units.get(end), target, budget)) {
        end++;
      }
      String body = trim(source.substring(first.start(), units.get(end - 1).end()));
      if (!body.isEmpty()) {
        drafts.add(draft(body, units.subList(i, end), language, parser, outer));
      }
      i = end;
    }
    return drafts;
  }

  /**
   * Whether {@code next} may join a chunk of {@code group}: members of the same class up to the target, or a file's
   * preamble (package, imports), of little meaning alone, with whatever follows it up to the limit.
   */
  private boolean fits(String source, List<CodeUnit> group, CodeUnit next, int target, int budget) {
    boolean preamble = group.stream().noneMatch(CodeUnit::definition);
    if (!preamble && !group.getLast().classPath().equals(next.classPath())) {
      return false;
    }
    int tokens = tokenizer.countTokens(source.substring(group.getFirst().start(), next.end()));
    return tokens <= (preamble ? budget : target);
  }

  private static Draft draft(String body, List<CodeUnit> units, CodeLanguage language, String parser,
      List<String> outer) {
    List<String> classPath = units.getLast().classPath();
    Set<String> functions = new LinkedHashSet<>();
    units.stream().map(CodeUnit::function).filter(Objects::nonNull).forEach(functions::add);
    List<String> headings = new ArrayList<>(outer);
    headings.addAll(classPath);
    if (functions.size() == 1) {
      headings.add(functions.iterator().next());
    }
    Map<String, String> metadata = new java.util.LinkedHashMap<>();
    metadata.put("code.language", language.id());
    metadata.put("code.parser", parser);
    if (!classPath.isEmpty()) {
      metadata.put("code.class", String.join(".", classPath));
    }
    if (!functions.isEmpty()) {
      metadata.put("code.function", String.join(", ", functions));
    }
    return new Draft(List.copyOf(headings), "", body, "code", metadata);
  }

  /** Drops the blank lines before and the whitespace after a range, but keeps its first line's indentation. */
  private static String trim(String range) {
    int start = 0;
    for (int i = 0; i < range.length(); i++) {
      char c = range.charAt(i);
      if (c == '\n') {
        start = i + 1;
      } else if (!Character.isWhitespace(c)) {
        break;
      }
    }
    return range.substring(Math.min(start, range.length())).stripTrailing();
  }
}
