package io.ragstream.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings resolved for one stage: each declared {@link Setting} from a flag if given, else from its environment
 * variable, else its default; all validated at once, so a misconfigured stage refuses to start with every problem
 * named rather than the first. What {@code ragstream config} prints ({@link #describe()}, secrets hidden).
 */
public final class Settings {
  /** Where a value came from. */
  public enum Source { FLAG, ENV, DEFAULT, UNSET }

  /** One resolved setting; {@code value} is null when unset. */
  public record Value(Setting setting, String value, Source source) {
    /** The value as shown to people: secrets are hidden. */
    public String shown() {
      if (value == null) {
        return "";
      }
      return setting.isSecret() && !value.isEmpty() ? "[hidden]" : value;
    }
  }

  private final Map<String, Value> values;

  private Settings(Map<String, Value> values) {
    this.values = values;
  }

  /**
   * Resolves {@code declared}: {@code flags} (keyed by setting key or variable name) win over {@code env}, which wins
   * over the defaults.
   *
   * @throws IllegalArgumentException naming every invalid value, and any flag that names no declared setting
   */
  public static Settings resolve(Collection<Setting> declared, Map<String, String> flags, Map<String, String> env) {
    Map<String, Value> values = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    Set<String> usedFlags = new TreeSet<>();
    for (Setting setting : declared) {
      if (values.containsKey(setting.key())) {
        continue; // declared by two lists (a common setting): one value
      }
      String raw;
      Source source;
      if (flags.containsKey(setting.key()) || flags.containsKey(setting.env())) {
        raw = flags.containsKey(setting.key()) ? flags.get(setting.key()) : flags.get(setting.env());
        usedFlags.add(flags.containsKey(setting.key()) ? setting.key() : setting.env());
        source = Source.FLAG;
      } else if (env.containsKey(setting.env())) {
        raw = env.get(setting.env());
        source = Source.ENV;
      } else if (setting.defaultValue() != null) {
        raw = setting.defaultValue();
        source = Source.DEFAULT;
      } else {
        values.put(setting.key(), new Value(setting, null, Source.UNSET));
        continue;
      }
      if (raw == null) {
        values.put(setting.key(), new Value(setting, null, Source.UNSET));
        continue;
      }
      try {
        values.put(setting.key(), new Value(setting, setting.parse(raw), source));
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage() + (source == Source.FLAG ? " (from a flag)" : ""));
      }
    }
    for (String flag : flags.keySet()) {
      if (!usedFlags.contains(flag)) {
        errors.add("unknown setting '" + flag + "'; known: " + String.join(", ", values.keySet()));
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new Settings(values);
  }

  /**
   * Refuses an environment with a {@code RAGSTREAM_*} variable that no setting declares (a typo would otherwise be
   * ignored silently), except those {@code alsoKnown} names and the {@code RAGSTREAM_KAFKA_*} client overrides.
   *
   * @throws IllegalArgumentException naming every unknown variable
   */
  public static void rejectUnknownVariables(Map<String, String> env, Collection<Setting> declared,
      Collection<String> alsoKnown) {
    Set<String> known = new TreeSet<>(alsoKnown);
    declared.forEach(s -> known.add(s.env()));
    List<String> unknown = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.startsWith("RAGSTREAM_") && !known.contains(name) && !KafkaClientOverrides.isOverride(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown environment variable" + (unknown.size() > 1 ? "s " : " ")
          + String.join(", ", unknown) + ": no ragstream setting has this name (see `ragstream config` for the"
          + " known ones; Kafka client properties are RAGSTREAM_KAFKA_<PROPERTY>)");
    }
  }

  public List<Value> values() {
    return List.copyOf(values.values());
  }

  private Value value(Setting setting) {
    Value v = values.get(setting.key());
    if (v == null) {
      throw new IllegalArgumentException("setting " + setting + " was not declared for this stage");
    }
    return v;
  }

  public Optional<String> optional(Setting setting) {
    String v = value(setting).value();
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  public String string(Setting setting) {
    return optional(setting).orElseThrow(() ->
        new IllegalArgumentException(setting.env() + " (" + setting.key() + ") is required"));
  }

  public int integer(Setting setting) {
    return Integer.parseInt(string(setting));
  }

  public long longValue(Setting setting) {
    return Long.parseLong(string(setting));
  }

  public double decimal(Setting setting) {
    return Double.parseDouble(string(setting));
  }

  public boolean bool(Setting setting) {
    return Boolean.parseBoolean(string(setting));
  }

  public Duration duration(Setting setting) {
    return Duration.parse(string(setting));
  }

  public Path path(Setting setting) {
    return Path.of(string(setting));
  }

  /**
   * The resolved values as environment variables (name → value, unset ones left out), for the parsers that read
   * their settings from an environment map ({@code QueryCacheSettings.fromEnvironment} and its kind): they then see
   * flags and defaults too.
   */
  public Map<String, String> asEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    values.values().forEach(v -> {
      if (v.value() != null) {
        env.put(v.setting().env(), v.value());
      }
    });
    return env;
  }

  /** One line per setting: key, variable, value (secrets hidden) and where it came from. */
  public String describe() {
    int keyWidth = 4;
    int envWidth = 8;
    for (Value v : values.values()) {
      keyWidth = Math.max(keyWidth, v.setting().key().length());
      envWidth = Math.max(envWidth, v.setting().env().length());
    }
    StringBuilder out = new StringBuilder();
    String format = "%-" + keyWidth + "s  %-" + envWidth + "s  %-8s  %s%n";
    out.append(String.format(format, "SETTING", "VARIABLE", "SOURCE", "VALUE"));
    for (Value v : values.values()) {
      out.append(String.format(format, v.setting().key(), v.setting().env(), v.source().name().toLowerCase(
          java.util.Locale.ROOT), v.shown()));
    }
    return out.toString();
  }
}
