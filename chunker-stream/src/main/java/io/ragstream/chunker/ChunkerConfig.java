package io.ragstream.chunker;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the chunker sizes chunks, per content kind, in tokens of the embedding model's tokenizer. Validated on
 * construction: no limit is above the model's maximum sequence length.
 *
 * @param maxTokens the model's limit: its maximum sequence length minus its special tokens; no chunk is larger
 * @param version part of every chunk id, so a chunker change produces a new generation of ids on replay
 * @param headingPrefix whether a chunk's text starts with its heading path (Title › Section › Subsection)
 * @param text prose: paragraphs and lists
 * @param table tables: whole up to their max, else split by rows with the header row repeated
 * @param code source code and code blocks: whole functions up to their max
 */
public record ChunkerConfig(int maxTokens, String version, boolean headingPrefix, ChunkSize text, ChunkSize table,
    ChunkSize code) {

  /** Bumped whenever chunk boundaries or texts change for the same input: replay then builds a new generation. */
  public static final String VERSION = "c3";

  /** On SciFact, all-MiniLM-L6-v2 retrieved best with chunks of at most about 128 tokens. */
  public static final int DEFAULT_TARGET_TOKENS = 128;

  public ChunkerConfig {
    if (maxTokens < 8) {
      throw new IllegalArgumentException("the model's token limit must be at least 8, got " + maxTokens);
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("chunker version is required");
    }
    Objects.requireNonNull(text, "text").validate("text", maxTokens);
    Objects.requireNonNull(table, "table").validate("table", maxTokens);
    Objects.requireNonNull(code, "code").validate("code", maxTokens);
  }

  /** Defaults for a model that accepts {@code modelMaxTokens} including {@code specialTokens}. */
  public static ChunkerConfig forModel(int modelMaxTokens, int specialTokens) {
    return fromSettings(Map.of(), modelMaxTokens, specialTokens);
  }

  /**
   * Reads the {@link ChunkerSetting}s from {@code settings} (keys as declared; missing keys take their defaults) and
   * validates them all. Fails on an unknown {@code chunker.*} key, so a typo does not silently leave a default.
   */
  public static ChunkerConfig fromSettings(Map<String, String> settings, int modelMaxTokens, int specialTokens) {
    int limit = modelMaxTokens - specialTokens;
    Set<String> known = new TreeSet<>();
    for (ChunkerSetting s : ChunkerSetting.values()) {
      known.add(s.key());
    }
    for (String key : settings.keySet()) {
      if (key.startsWith("chunker.") && !known.contains(key)) {
        throw new IllegalArgumentException("unknown chunker setting " + key + "; known: " + known);
      }
    }
    Settings s = new Settings(settings, limit);
    ChunkSize text = new ChunkSize(s.tokens(ChunkerSetting.TEXT_TARGET), s.tokens(ChunkerSetting.TEXT_MIN),
        s.tokens(ChunkerSetting.TEXT_MAX), s.tokens(ChunkerSetting.TEXT_OVERLAP));
    ChunkSize table = new ChunkSize(s.tokens(ChunkerSetting.TABLE_TARGET), 0, s.tokens(ChunkerSetting.TABLE_MAX), 0);
    ChunkSize code = new ChunkSize(s.tokens(ChunkerSetting.CODE_TARGET), 0, s.tokens(ChunkerSetting.CODE_MAX), 0);
    boolean prefix = ChunkerSetting.HEADING_PREFIX.booleanValue(s.raw(ChunkerSetting.HEADING_PREFIX));
    return new ChunkerConfig(limit, VERSION, prefix, text, table, code);
  }

  /** The same config with every kind's target (and overlap, when it would pass half the target) set to {@code n}. */
  public ChunkerConfig withTargetTokens(int n) {
    return new ChunkerConfig(maxTokens, version, headingPrefix, resize(text, n), resize(table, n), resize(code, n));
  }

  public ChunkerConfig withHeadingPrefix(boolean on) {
    return new ChunkerConfig(maxTokens, version, on, text, table, code);
  }

  private static ChunkSize resize(ChunkSize size, int target) {
    return new ChunkSize(target, Math.min(size.minTokens(), target), size.maxTokens(),
        Math.min(size.overlapTokens(), target / 2));
  }

  private record Settings(Map<String, String> values, int modelLimit) {
    String raw(ChunkerSetting setting) {
      return values.getOrDefault(setting.key(), setting.defaultValue());
    }

    int tokens(ChunkerSetting setting) {
      int value = setting.intValue(raw(setting));
      // the small defaults must not pass a small model's limit; explicit values are validated, never clamped
      boolean explicit = values.containsKey(setting.key());
      return value == -1 ? modelLimit : explicit ? value : Math.min(value, modelLimit);
    }
  }
}
