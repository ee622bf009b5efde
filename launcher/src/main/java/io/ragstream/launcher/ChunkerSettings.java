package io.ragstream.launcher;

import io.ragstream.chunker.ChunkerSetting;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chunker settings from the environment: {@code chunker.heading-prefix} is read from
 * {@code RAGSTREAM_CHUNKER_HEADING_PREFIX}, {@code chunker.text.target-tokens} from
 * {@code RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS}, and so on. Environment variables because they reach every way a
 * stage is started (embedded, {@code stage chunker}, compose, Kubernetes ConfigMaps) without a flag per setting;
 * {@code ChunkerConfig.fromSettings} validates them all before the chunker starts.
 */
final class ChunkerSettings {
  private ChunkerSettings() {}

  static Map<String, String> fromEnvironment() {
    return from(System.getenv());
  }

  static Map<String, String> from(Map<String, String> environment) {
    Map<String, String> settings = new TreeMap<>();
    for (ChunkerSetting setting : ChunkerSetting.values()) {
      String value = environment.get(variable(setting.key()));
      if (value != null) {
        settings.put(setting.key(), value);
      }
    }
    return settings;
  }

  /** {@code chunker.text.target-tokens} → {@code RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS}. */
  static String variable(String key) {
    return "RAGSTREAM_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
