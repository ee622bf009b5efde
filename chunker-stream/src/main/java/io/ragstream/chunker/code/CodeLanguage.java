package io.ragstream.chunker.code;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.treesitter.TSLanguage;
import org.treesitter.TreeSitterC;
import org.treesitter.TreeSitterCpp;
import org.treesitter.TreeSitterGo;
import org.treesitter.TreeSitterJava;
import org.treesitter.TreeSitterJavascript;
import org.treesitter.TreeSitterPython;
import org.treesitter.TreeSitterTypescript;

/**
 * A programming language the chunker parses with a tree-sitter grammar, and which syntax nodes are its classes
 * (containers whose members are split apart) and its functions (split apart only at statements, when too large).
 * Languages without a grammar here ({@link #OTHER}) are split by {@link HeuristicCodeSplitter}.
 */
public enum CodeLanguage {
  JAVA(Set.of("java"), Set.of("text/x-java-source", "text/x-java"), TreeSitterJava::new,
      Set.of("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
          "annotation_type_declaration"),
      Set.of("method_declaration", "constructor_declaration", "compact_constructor_declaration")),
  PYTHON(Set.of("py", "pyi"), Set.of("text/x-python", "application/x-python", "text/x-script.python"),
      TreeSitterPython::new, Set.of("class_definition"), Set.of("function_definition")),
  JAVASCRIPT(Set.of("js", "mjs", "cjs", "jsx"),
      Set.of("text/javascript", "application/javascript", "application/x-javascript"), TreeSitterJavascript::new,
      Set.of("class_declaration", "class"),
      Set.of("function_declaration", "generator_function_declaration", "method_definition")),
  TYPESCRIPT(Set.of("ts", "mts", "cts"), Set.of("application/typescript", "text/typescript", "text/x-typescript"),
      TreeSitterTypescript::new,
      Set.of("class_declaration", "abstract_class_declaration", "interface_declaration", "internal_module"),
      Set.of("function_declaration", "generator_function_declaration", "method_definition", "function_signature",
          "abstract_method_signature")),
  GO(Set.of("go"), Set.of("text/x-go"), TreeSitterGo::new, Set.of(),
      Set.of("function_declaration", "method_declaration")),
  C(Set.of("c", "h"), Set.of("text/x-csrc", "text/x-chdr", "text/x-c"), TreeSitterC::new, Set.of(),
      Set.of("function_definition")),
  CPP(Set.of("cc", "cpp", "cxx", "c++", "hpp", "hh", "hxx", "h++"), Set.of("text/x-c++src", "text/x-c++hdr"),
      TreeSitterCpp::new, Set.of("class_specifier", "struct_specifier", "namespace_definition"),
      Set.of("function_definition")),
  /** Source code of a language without a grammar here: split at top-level blank-line boundaries. */
  OTHER(Set.of("rs", "rb", "kt", "kts", "scala", "cs", "php", "swift", "sh", "bash", "lua", "pl", "r", "sql"),
      Set.of("text/x-rustsrc", "text/x-ruby", "text/x-kotlin", "text/x-scala", "text/x-csharp", "text/x-php",
          "text/x-sh", "application/x-sh", "text/x-lua", "text/x-perl", "text/x-sql"),
      null, Set.of(), Set.of());

  private final Set<String> extensions;
  private final Set<String> mediaTypes;
  private final Supplier<TSLanguage> grammar;
  private final Set<String> containers;
  private final Set<String> functions;

  CodeLanguage(Set<String> extensions, Set<String> mediaTypes, Supplier<TSLanguage> grammar, Set<String> containers,
      Set<String> functions) {
    this.extensions = extensions;
    this.mediaTypes = mediaTypes;
    this.grammar = grammar;
    this.containers = containers;
    this.functions = functions;
  }

  /** Names a code block's language may be declared by besides a language's id and file extensions. */
  private static final Map<String, CodeLanguage> ALIASES = Map.ofEntries(
      Map.entry("python3", PYTHON), Map.entry("py3", PYTHON),
      Map.entry("node", JAVASCRIPT), Map.entry("nodejs", JAVASCRIPT), Map.entry("ecmascript", JAVASCRIPT),
      Map.entry("golang", GO),
      Map.entry("cplusplus", CPP));

  /**
   * The language a code block declares by name (a Markdown fence's info string: "java", "py", "c++", "golang"),
   * if the splitter parses it: a language's id, one of its file extensions, or a common alias, in any case;
   * {@code {.python}} (Pandoc's attribute form) counts as "python". Empty for languages without a grammar here and
   * for unknown names, whose blocks a document keeps splitting at blank lines. "tsx" is not TypeScript: its JSX
   * needs a grammar of its own.
   */
  public static Optional<CodeLanguage> forName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String key = name.strip().toLowerCase(Locale.ROOT);
    key = key.startsWith("{") ? key.substring(1) : key;
    key = key.startsWith(".") ? key.substring(1) : key;
    key = key.endsWith("}") ? key.substring(0, key.length() - 1) : key;
    CodeLanguage alias = ALIASES.get(key);
    if (alias != null) {
      return Optional.of(alias);
    }
    for (CodeLanguage language : values()) {
      if (language.hasGrammar() && (language.id().equals(key) || language.extensions.contains(key))) {
        return Optional.of(language);
      }
    }
    return Optional.empty();
  }

  /**
   * The language of a source file, from its name's extension first (Tika detects a {@code .ts} file as an MPEG
   * stream), else from its media type; empty for anything that is not source code.
   */
  public static Optional<CodeLanguage> detect(String sourceName, String contentType) {
    if (sourceName != null) {
      int dot = sourceName.lastIndexOf('.');
      int slash = Math.max(sourceName.lastIndexOf('/'), sourceName.lastIndexOf('\\'));
      if (dot > slash + 1) {
        String ext = sourceName.substring(dot + 1).toLowerCase(Locale.ROOT);
        for (CodeLanguage language : values()) {
          if (language.extensions.contains(ext)) {
            return Optional.of(language);
          }
        }
      }
    }
    if (contentType != null) {
      String type = contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
      for (CodeLanguage language : values()) {
        if (language.mediaTypes.contains(type)) {
          return Optional.of(language);
        }
      }
    }
    return Optional.empty();
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  boolean hasGrammar() {
    return grammar != null;
  }

  TSLanguage newGrammar() {
    return grammar.get();
  }

  boolean isContainer(String nodeType) {
    return containers.contains(nodeType);
  }

  boolean isFunction(String nodeType) {
    return functions.contains(nodeType);
  }
}
