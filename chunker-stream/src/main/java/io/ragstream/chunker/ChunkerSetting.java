package io.ragstream.chunker;

import java.util.Locale;

/**
 * Every chunker setting, declared once: its key, default and meaning. {@link ChunkerConfig#fromSettings} reads and
 * validates them all before the chunker starts; docs/CHUNKING.md's table is tested against this list.
 *
 * <p>A default of {@code -1} for a max means "the model's limit" (its maximum sequence length minus its special
 * tokens), which is only known once the model is loaded.
 */
public enum ChunkerSetting {
  HEADING_PREFIX("chunker.heading-prefix", "true",
      "prefix each chunk's text (what is embedded and keyword-indexed) with its heading path"),
  TEXT_TARGET("chunker.text.target-tokens", "128", "target size of prose chunks"),
  TEXT_MIN("chunker.text.min-tokens", "8", "sections with less body text are merged with an adjacent section"),
  TEXT_MAX("chunker.text.max-tokens", "-1", "hard limit of prose chunks; a list with its lead-in stays whole up to it"),
  TEXT_OVERLAP("chunker.text.overlap-tokens", "8", "tokens of the previous chunk's last sentences a prose chunk repeats"),
  TABLE_TARGET("chunker.table.target-tokens", "128", "size of the parts of a table split by rows"),
  TABLE_MAX("chunker.table.max-tokens", "-1", "a table up to this size stays whole"),
  CODE_TARGET("chunker.code.target-tokens", "192", "target size of source code chunks (small functions are packed)"),
  CODE_MAX("chunker.code.max-tokens", "-1", "a function or class up to this size stays whole");

  private final String key;
  private final String defaultValue;
  private final String description;

  ChunkerSetting(String key, String defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String key() {
    return key;
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  int intValue(String raw) {
    try {
      return Integer.parseInt(raw.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + raw + "'", e);
    }
  }

  boolean booleanValue(String raw) {
    return switch (raw.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(key + " must be true or false, got '" + raw + "'");
    };
  }
}
