package io.ragstream.chunker;

import io.ragstream.embedding.ModelSettings;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The chunker stage's settings.
 *
 * @param instance this replica's id: its Kafka Streams state directory is {@code <dataDir>/streams/<instance>}, so
 *     replicas sharing a data directory never share (and fight over) state
 * @param dataDir the data directory
 * @param replication replication factor of the Streams changelog and repartition topics
 * @param modelId the embedding model whose tokenizer sizes the chunks
 * @param chunking the {@link ChunkerSetting}s by key (missing: defaults), validated by {@link ChunkerConfig}
 * @param port the process's health and metrics port (0: ephemeral)
 */
public record ChunkerStageConfig(String instance, Path dataDir, short replication, String modelId,
    Map<String, String> chunking, int port) {
  public static final Setting PORT = Setting.integer("chunker.port", 0, 0, 65_535,
      "health and metrics port of `stage chunker` (0: any free port)");

  /** The chunker's own settings: {@link ChunkerSetting} (read as {@code RAGSTREAM_CHUNKER_*}) and the port. */
  public static final List<Setting> SETTINGS = settings();

  public static final List<Setting> ALL = concat(CommonSettings.ALL, List.of(ModelSettings.MODEL), SETTINGS);

  public ChunkerStageConfig {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(dataDir, "dataDir");
    if (instance.isBlank() || !instance.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("instance must be letters, digits, '.', '-' or '_' (it names the Streams"
          + " state directory), got '" + instance + "'");
    }
    if (replication < 1) {
      throw new IllegalArgumentException("replication must be at least 1, got " + replication);
    }
    ModelSettings.modelId(modelId);
    chunking = Map.copyOf(chunking);
  }

  /** This replica's Kafka Streams state directory. */
  public Path stateDir() {
    return dataDir.resolve("streams").resolve(instance);
  }

  public static ChunkerStageConfig from(Settings settings, Map<String, String> env) {
    Map<String, String> chunking = new TreeMap<>();
    for (ChunkerSetting s : ChunkerSetting.values()) {
      settings.values().stream().filter(v -> v.setting().key().equals(s.key()) && v.value() != null)
          .forEach(v -> chunking.put(s.key(), v.value()));
    }
    return new ChunkerStageConfig(CommonSettings.instance(settings, env), settings.path(CommonSettings.DATA_DIR),
        (short) settings.integer(CommonSettings.REPLICATION), settings.string(ModelSettings.MODEL), chunking,
        settings.integer(PORT));
  }

  private static List<Setting> settings() {
    List<Setting> list = new ArrayList<>();
    for (ChunkerSetting s : ChunkerSetting.values()) {
      list.add(s == ChunkerSetting.HEADING_PREFIX ? Setting.bool(s.key(), Boolean.parseBoolean(s.defaultValue()),
          s.description()) : Setting.integer(s.key(), Integer.parseInt(s.defaultValue()), -1, 100_000,
          s.description() + (s.defaultValue().equals("-1") ? " (-1: the model's limit)" : "")));
    }
    list.add(PORT);
    return List.copyOf(list);
  }

  @SafeVarargs
  static List<Setting> concat(List<Setting>... lists) {
    List<Setting> all = new ArrayList<>();
    for (List<Setting> l : lists) {
      all.addAll(l);
    }
    return List.copyOf(all);
  }
}
