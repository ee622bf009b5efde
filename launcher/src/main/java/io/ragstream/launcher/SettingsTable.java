package io.ragstream.launcher;

import io.ragstream.runtime.config.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The README's table of every stage setting, generated from the declarations (ReadmeSettingsTest keeps it so). */
final class SettingsTable {
  private SettingsTable() {}

  static String markdown() {
    Map<String, List<String>> stagesByKey = new LinkedHashMap<>();
    Map<String, Setting> byKey = new LinkedHashMap<>();
    for (String stage : StageCatalog.NAMES) {
      for (Setting s : StageCatalog.settings(stage)) {
        byKey.putIfAbsent(s.key(), s);
        stagesByKey.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(stage);
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("| variable | `--set` key | default | stages | meaning |\n|---|---|---|---|---|\n");
    for (Setting s : byKey.values()) {
      List<String> stages = stagesByKey.get(s.key());
      String where = stages.size() == StageCatalog.NAMES.size() ? "all" : String.join(", ", stages);
      String def = s.defaultValue() == null ? "" : "`" + s.defaultValue() + "`";
      out.append("| `").append(s.env()).append("` | `").append(s.key()).append("` | ").append(def).append(" | ")
          .append(where).append(" | ").append(s.description().replace("|", "\\|"))
          .append(s.isSecret() ? " (secret: hidden by `config`)" : "").append(" |\n");
    }
    return out.toString();
  }
}
