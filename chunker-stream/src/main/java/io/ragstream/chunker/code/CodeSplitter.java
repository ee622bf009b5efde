package io.ragstream.chunker.code;

import io.ragstream.embedding.ModelTokenizer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a source file into {@link CodeUnit}s of at most a token limit, with a tree-sitter parser for the languages
 * that have one and {@link HeuristicCodeSplitter} for the rest. Thread-safe.
 *
 * <p>Where tree-sitter's native library cannot load (a platform its jar has no binary for), every language falls back
 * to the heuristic: chunking degrades, the stage keeps running, and a warning says why.
 */
public final class CodeSplitter {
  private static final Logger LOG = LoggerFactory.getLogger(CodeSplitter.class);

  private final HeuristicCodeSplitter heuristic;
  private final Map<CodeLanguage, TreeSitterSplitter> parsers = new EnumMap<>(CodeLanguage.class);
  private final boolean parsersAvailable;

  public CodeSplitter(ModelTokenizer tokenizer) {
    this.heuristic = new HeuristicCodeSplitter(tokenizer);
    boolean available = true;
    for (CodeLanguage language : CodeLanguage.values()) {
      if (language.hasGrammar() && available) {
        try {
          parsers.put(language, new TreeSitterSplitter(language, tokenizer));
        } catch (LinkageError e) {
          LOG.warn("tree-sitter cannot load on this platform ({}); source code is split by the line heuristic",
              e.toString(), e);
          parsers.clear();
          available = false;
        }
      }
    }
    this.parsersAvailable = available;
  }

  /** Whether source code is parsed (true) or split by the line heuristic only (native library missing). */
  public boolean parsersAvailable() {
    return parsersAvailable;
  }

  /** Whether {@code language} is split by a real parser here. */
  public boolean parses(CodeLanguage language) {
    return parsers.containsKey(language);
  }

  /**
   * Units covering {@code source} from start to end, each at most {@code maxTokens}; classes past
   * {@code targetTokens} are split into their members, functions only past {@code maxTokens}.
   */
  public List<CodeUnit> split(String source, CodeLanguage language, int targetTokens, int maxTokens) {
    TreeSitterSplitter parser = parsers.get(language);
    return parser != null ? parser.split(source, targetTokens, maxTokens) : heuristic.split(source, maxTokens);
  }
}
