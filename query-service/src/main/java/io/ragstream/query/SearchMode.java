package io.ragstream.query;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which retrievers answer a query: BM25 only, vectors only, both fused (see {@link Fusion}), or hierarchically: the
 * best documents by their best fused chunk first, then the best chunks within each of those documents.
 */
public enum SearchMode {
  KEYWORD,
  VECTOR,
  HYBRID,
  HIERARCHICAL;

  /** The name on the wire ({@code mode} parameter, response field, metric tag). */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name, case-insensitively. */
  public static SearchMode parse(String value) {
    for (SearchMode mode : values()) {
      if (mode.wireName().equalsIgnoreCase(value.strip())) {
        return mode;
      }
    }
    throw new IllegalArgumentException("unknown mode '" + value + "'; expected one of "
        + Arrays.stream(values()).map(SearchMode::wireName).collect(Collectors.joining(", ")));
  }
}
