package io.ragstream.indexer;

import io.ragstream.indexer.store.GenerationSetting;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The indexer stage's settings (which stores it writes is the launcher's {@code --store}, see docs/STORES.md).
 *
 * @param instance this replica's id (part of its client ids)
 * @param generation the index generation written until the first swap (then it follows the served one)
 * @param maxPollRecords embeddings per store batch at most
 * @param port the process's health and metrics port (0: ephemeral)
 */
public record IndexerConfig(String instance, String generation, int maxPollRecords, int port) {
  public static final Setting GENERATION = GenerationSetting.GENERATION;
  public static final Setting MAX_POLL = Setting.integer("indexer.max-poll-records", 1000, 1, 100_000,
      "embeddings per store batch at most");
  public static final Setting PORT = Setting.integer("indexer.port", 0, 0, 65_535,
      "health and metrics port of `stage indexer` (0: any free port)");

  public static final List<Setting> SETTINGS = List.of(GENERATION, MAX_POLL, PORT);
  public static final List<Setting> ALL = all();

  public IndexerConfig {
    Objects.requireNonNull(instance, "instance");
    if (generation == null || !generation.matches("[a-zA-Z0-9_-]+")) {
      throw new IllegalArgumentException("generation must be letters, digits, '-' or '_', got " + generation);
    }
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("maxPollRecords must be at least 1, got " + maxPollRecords);
    }
  }

  public static IndexerConfig defaults(String instance, String generation) {
    return new IndexerConfig(instance, generation, 1000, 0);
  }

  public static IndexerConfig from(Settings settings, Map<String, String> env) {
    return new IndexerConfig(CommonSettings.instance(settings, env), settings.string(GENERATION),
        settings.integer(MAX_POLL), settings.integer(PORT));
  }

  private static List<Setting> all() {
    List<Setting> all = new ArrayList<>(CommonSettings.ALL);
    all.addAll(SETTINGS);
    return List.copyOf(all);
  }
}
