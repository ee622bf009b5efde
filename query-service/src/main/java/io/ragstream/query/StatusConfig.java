package io.ragstream.query;

import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status stage's settings (it follows every stage's output and writes each document's progress).
 *
 * @param instance this replica's id (part of its transactional id)
 * @param maxPollRecords records per Kafka transaction
 * @param port the process's health and metrics port (0: ephemeral)
 */
public record StatusConfig(String instance, int maxPollRecords, int port) {
  public static final Setting MAX_POLL = Setting.integer("status.max-poll-records", 2000, 1, 100_000,
      "records per Kafka transaction");
  public static final Setting PORT = Setting.integer("status.port", 0, 0, 65_535,
      "health and metrics port of `stage status` (0: any free port)");

  public static final List<Setting> SETTINGS = List.of(MAX_POLL, PORT);
  public static final List<Setting> ALL = all();

  public StatusConfig {
    Objects.requireNonNull(instance, "instance");
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("maxPollRecords must be at least 1, got " + maxPollRecords);
    }
  }

  public static StatusConfig defaults(String instance) {
    return new StatusConfig(instance, 2000, 0);
  }

  public static StatusConfig from(Settings settings, Map<String, String> env) {
    return new StatusConfig(CommonSettings.instance(settings, env), settings.integer(MAX_POLL),
        settings.integer(PORT));
  }

  private static List<Setting> all() {
    List<Setting> all = new ArrayList<>(CommonSettings.ALL);
    all.addAll(SETTINGS);
    return List.copyOf(all);
  }
}
