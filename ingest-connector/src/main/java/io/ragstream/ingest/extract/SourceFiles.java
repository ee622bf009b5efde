package io.ragstream.ingest.extract;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Recognises source code, which the extractor hands to the chunker as one {@code CODE} block with its exact text:
 * Tika's source-code parser doubles every line break and its text parser collapses them, and the chunker's parser
 * needs the file as written. By file extension first (Tika detects {@code .ts} as an MPEG stream), then media type.
 */
final class SourceFiles {
  private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
      Map.entry("java", "text/x-java-source"), Map.entry("py", "text/x-python"), Map.entry("pyi", "text/x-python"),
      Map.entry("js", "text/javascript"), Map.entry("mjs", "text/javascript"), Map.entry("cjs", "text/javascript"),
      Map.entry("jsx", "text/javascript"), Map.entry("ts", "text/x-typescript"), Map.entry("mts", "text/x-typescript"),
      Map.entry("cts", "text/x-typescript"), Map.entry("go", "text/x-go"), Map.entry("c", "text/x-csrc"),
      Map.entry("h", "text/x-chdr"), Map.entry("cc", "text/x-c++src"), Map.entry("cpp", "text/x-c++src"),
      Map.entry("cxx", "text/x-c++src"), Map.entry("hpp", "text/x-c++hdr"), Map.entry("hh", "text/x-c++hdr"),
      Map.entry("hxx", "text/x-c++hdr"), Map.entry("rs", "text/x-rustsrc"), Map.entry("rb", "text/x-ruby"),
      Map.entry("kt", "text/x-kotlin"), Map.entry("kts", "text/x-kotlin"), Map.entry("scala", "text/x-scala"),
      Map.entry("cs", "text/x-csharp"), Map.entry("php", "text/x-php"), Map.entry("swift", "text/x-swift"),
      Map.entry("sh", "application/x-sh"), Map.entry("bash", "application/x-sh"), Map.entry("lua", "text/x-lua"),
      Map.entry("pl", "text/x-perl"), Map.entry("sql", "text/x-sql"));
  private static final Set<String> TYPES = Set.copyOf(BY_EXTENSION.values());

  private SourceFiles() {}

  /** The media type of a source file, or null when the document is not source code. */
  static String mediaType(String sourceName, String detectedType) {
    if (sourceName != null) {
      int dot = sourceName.lastIndexOf('.');
      int slash = Math.max(sourceName.lastIndexOf('/'), sourceName.lastIndexOf('\\'));
      if (dot > slash + 1) {
        String type = BY_EXTENSION.get(sourceName.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type != null) {
          return type;
        }
      }
    }
    return detectedType != null && TYPES.contains(detectedType) ? detectedType : null;
  }

  /** The file name without its folders: a source file's title. */
  static String fileName(String sourceName) {
    int slash = Math.max(sourceName.lastIndexOf('/'), sourceName.lastIndexOf('\\'));
    return sourceName.substring(slash + 1);
  }
}
