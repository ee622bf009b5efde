package io.ragstream.chunker.code;

import io.ragstream.embedding.ModelTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.treesitter.TSLanguage;
import org.treesitter.TSNode;
import org.treesitter.TSParser;
import org.treesitter.TSTree;

/**
 * Splits source code at its syntax: top-level definitions first; a class too large for one chunk into its members; a
 * function too large into runs of its statements; anything still too large into lines. A comment belongs to the
 * definition after it, so a doc comment stays with its function (and a Python docstring is inside it anyway).
 *
 * <p>Ranges run from the end of the previous sibling to the end of this one, so the units of a file cover it without
 * gaps. One instance per language; thread-safe: a parser is made per file (cheap; tree-sitter parsers are not
 * thread-safe), the grammar is shared.
 */
final class TreeSitterSplitter {
  private static final Set<String> WRAPPERS = Set.of("export_statement", "decorated_definition",
      "template_declaration", "lexical_declaration", "variable_declaration");
  private static final Set<String> FUNCTION_VALUES = Set.of("arrow_function", "function_expression", "function",
      "generator_function");
  private static final Set<String> NAMES = Set.of("identifier", "field_identifier", "type_identifier",
      "property_identifier", "qualified_identifier", "destructor_name", "operator_name", "namespace_identifier");

  private final CodeLanguage language;
  private final TSLanguage grammar;
  private final ModelTokenizer tokenizer;
  private final LineSplitter lines;

  TreeSitterSplitter(CodeLanguage language, ModelTokenizer tokenizer) {
    this.language = language;
    this.grammar = language.newGrammar();
    this.tokenizer = tokenizer;
    this.lines = new LineSplitter(tokenizer);
  }

  /**
   * @param targetTokens a class larger than this is split into its members
   * @param maxTokens a function up to this size stays whole; nothing is larger
   */
  List<CodeUnit> split(String source, int targetTokens, int maxTokens) {
    try (TSParser parser = new TSParser()) {
      if (!parser.setLanguage(grammar)) {
        throw new IllegalStateException("tree-sitter rejected the " + language.id() + " grammar (ABI mismatch)");
      }
      // UTF-8: this binding's UTF-16 input path returned garbage trees in our checks; offsets are mapped back to chars
      try (TSTree tree = parser.parseString(null, source)) {
        File file = new File(source, targetTokens, maxTokens);
        TSNode root = tree.getRootNode();
        file.segment(0, source.length(), children(root), List.of(), null);
        return file.units;
      }
    }
  }

  /** One file's split: its source, its byte-to-char map and the units so far. */
  private final class File {
    final String source;
    final int targetTokens;
    final int maxTokens;
    final int[] charOfByte;
    final byte[] utf8;
    final List<CodeUnit> units = new ArrayList<>();

    File(String source, int targetTokens, int maxTokens) {
      this.source = source;
      this.targetTokens = targetTokens;
      this.maxTokens = maxTokens;
      this.utf8 = source.getBytes(StandardCharsets.UTF_8);
      this.charOfByte = utf8.length == source.length() ? null : charOffsets(source, utf8.length);
    }

    int at(int byteOffset) {
      return charOfByte == null ? byteOffset : charOfByte[byteOffset];
    }

    String text(TSNode node) {
      return new String(utf8, node.getStartByte(), node.getEndByte() - node.getStartByte(), StandardCharsets.UTF_8);
    }

    /** Units for {@code [from, to)}, cut after each of {@code children} (comments attach to what follows them). */
    void segment(int from, int to, List<TSNode> children, List<String> classPath, String function) {
      int start = from;
      for (int i = 0; i < children.size(); i++) {
        TSNode child = children.get(i);
        int end = i == children.size() - 1 ? to : Math.max(start, Math.min(to, at(child.getEndByte())));
        if (end > start) {
          unit(child, start, end, classPath, function);
          start = end;
        }
      }
      if (start < to) {
        unit(null, start, to, classPath, function);
      }
    }

    private void unit(TSNode node, int from, int to, List<String> classPath, String function) {
      TSNode definition = node == null ? null : unwrap(node);
      String type = definition == null ? "" : definition.getType();
      String fn = function;
      List<String> path = classPath;
      if (definition != null && isFunction(definition)) {
        fn = function == null ? name(definition) : function;
        String receiver = receiver(definition);
        if (receiver != null && classPath.isEmpty()) {
          path = List.of(receiver);
        }
      }
      // a class is worth splitting into its members once past the target; a function only past the limit
      boolean container = definition != null && language.isContainer(type);
      if (tokenizer.countTokens(source.substring(from, to)) <= (container ? targetTokens : maxTokens)) {
        units.add(new CodeUnit(from, to, path, fn, container || fn != null));
        return;
      }
      List<TSNode> inner = List.of();
      List<String> innerPath = path;
      if (container) {
        TSNode body = definition.getChildByFieldName("body");
        inner = body == null || body.isNull() ? children(definition) : children(body);
        String name = name(definition);
        innerPath = name == null ? path : append(path, name);
      } else if (definition != null && isFunction(definition)) {
        TSNode body = definition.getChildByFieldName("body");
        inner = body == null || body.isNull() ? List.of() : statements(body);
      } else if (definition != null) {
        inner = children(definition);
      }
      if (inner.size() >= 2 || (inner.size() == 1 && !sameRange(inner.getFirst(), definition))) {
        segment(from, to, inner, innerPath, fn);
        return;
      }
      List<Integer> cuts = lines.cuts(source, from, to, maxTokens);
      for (int i = 0; i + 1 < cuts.size(); i++) {
        units.add(new CodeUnit(cuts.get(i), cuts.get(i + 1), path, fn, fn != null));
      }
    }

    private boolean sameRange(TSNode a, TSNode b) {
      return a.getStartByte() == b.getStartByte() && a.getEndByte() == b.getEndByte();
    }

    /** The definition inside export/decorator/template wrappers, or the node itself. */
    private TSNode unwrap(TSNode node) {
      if (!WRAPPERS.contains(node.getType())) {
        return node;
      }
      for (TSNode child : children(node)) {
        TSNode inner = unwrap(child);
        if (language.isContainer(inner.getType()) || isFunction(inner)) {
          return inner;
        }
      }
      return node;
    }

    private boolean isFunction(TSNode node) {
      if (language.isFunction(node.getType())) {
        return true;
      }
      // const handler = () => {...}: a function by any other name
      if (node.getType().equals("variable_declarator")) {
        TSNode value = node.getChildByFieldName("value");
        return value != null && !value.isNull() && FUNCTION_VALUES.contains(value.getType());
      }
      return false;
    }

    /** The declared name: a "name" field, else the innermost identifier of the declarator chain (C, C++). */
    private String name(TSNode node) {
      TSNode name = node.getChildByFieldName("name");
      if (name != null && !name.isNull()) {
        return text(name);
      }
      TSNode declarator = node.getChildByFieldName("declarator");
      for (int depth = 0; declarator != null && !declarator.isNull() && depth < 8; depth++) {
        if (NAMES.contains(declarator.getType())) {
          return text(declarator);
        }
        TSNode next = declarator.getChildByFieldName("declarator");
        declarator = next == null || next.isNull() ? declarator.getChildByFieldName("name") : next;
      }
      return null;
    }

    /** A Go method's receiver type: its "class". */
    private String receiver(TSNode node) {
      TSNode receiver = node.getChildByFieldName("receiver");
      if (receiver == null || receiver.isNull()) {
        return null;
      }
      for (TSNode parameter : children(receiver)) {
        TSNode type = parameter.getChildByFieldName("type");
        if (type != null && !type.isNull()) {
          return text(type).replace("*", "").strip();
        }
      }
      return null;
    }
  }

  /** A function body's statements; Go wraps them in one statement_list. */
  private static List<TSNode> statements(TSNode body) {
    List<TSNode> children = children(body);
    if (children.size() == 1 && children.getFirst().getType().endsWith("statement_list")) {
      return children(children.getFirst());
    }
    return children;
  }

  /** Named children except comments: a comment is never a cut point, it travels with the next node. */
  private static List<TSNode> children(TSNode node) {
    List<TSNode> children = new ArrayList<>();
    for (int i = 0; i < node.getNamedChildCount(); i++) {
      TSNode child = node.getNamedChild(i);
      if (!child.getType().contains("comment")) {
        children.add(child);
      }
    }
    return children;
  }

  private static List<String> append(List<String> path, String name) {
    List<String> longer = new ArrayList<>(path);
    longer.add(name);
    return List.copyOf(longer);
  }

  /** char index for each UTF-8 byte offset (tree-sitter reports bytes; Java strings index UTF-16 chars). */
  private static int[] charOffsets(String source, int byteLength) {
    int[] map = new int[byteLength + 1];
    int b = 0;
    for (int c = 0; c < source.length(); ) {
      int cp = source.codePointAt(c);
      int bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (int k = 0; k < bytes; k++) {
        map[b + k] = c;
      }
      b += bytes;
      c += Character.charCount(cp);
    }
    map[byteLength] = source.length();
    return map;
  }
}
