package io.ragstream.runtime.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One setting, declared once (Debezium's {@code Field} style): its key, the environment variable it is read from,
 * its type and bounds, its default, its meaning, and whether its value is a secret. Each stage declares the list of
 * settings it reads next to its config record; {@link Settings#resolve} reads them from flags, then the
 * environment, then the defaults, and validates all of them before the stage starts. The README's configuration
 * table is tested against these declarations.
 */
public final class Setting {
  /** How a value is parsed and checked. */
  public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN, DURATION, PATH, CHOICE }

  private static final String PREFIX = "RAGSTREAM_";

  private final String key;
  private final String env;
  private final Type type;
  private final String defaultValue;
  private final String description;
  private final boolean secret;
  private final List<String> choices;
  private final double min;
  private final double max;

  private Setting(String key, String env, Type type, String defaultValue, String description, boolean secret,
      List<String> choices, double min, double max) {
    this.key = Objects.requireNonNull(key, "key");
    this.env = env == null ? variable(key) : env;
    if (!this.env.startsWith(PREFIX)) {
      throw new IllegalArgumentException("setting variables start with " + PREFIX + ": " + this.env);
    }
    this.type = type;
    this.defaultValue = defaultValue;
    this.description = Objects.requireNonNull(description, "description");
    this.secret = secret;
    this.choices = List.copyOf(choices);
    this.min = min;
    this.max = max;
    if (defaultValue != null) {
      parse(defaultValue); // a declaration with an invalid default is a bug: fail at class initialisation
    }
  }

  /** {@code query.cache.ttl} → {@code RAGSTREAM_QUERY_CACHE_TTL}. */
  public static String variable(String key) {
    return PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public static Setting string(String key, String defaultValue, String description) {
    return new Setting(key, null, Type.STRING, defaultValue, description, false, List.of(), 0, 0);
  }

  public static Setting integer(String key, Integer defaultValue, int min, int max, String description) {
    return new Setting(key, null, Type.INT, defaultValue == null ? null : defaultValue.toString(), description, false,
        List.of(), min, max);
  }

  public static Setting longValue(String key, Long defaultValue, long min, long max, String description) {
    return new Setting(key, null, Type.LONG, defaultValue == null ? null : defaultValue.toString(), description,
        false, List.of(), min, max);
  }

  public static Setting decimal(String key, double defaultValue, double min, double max, String description) {
    return new Setting(key, null, Type.DOUBLE, Double.toString(defaultValue), description, false, List.of(), min,
        max);
  }

  public static Setting bool(String key, Boolean defaultValue, String description) {
    return new Setting(key, null, Type.BOOLEAN, defaultValue == null ? null : defaultValue.toString(), description,
        false, List.of(), 0, 0);
  }

  /** An ISO-8601 duration ({@code PT5M}) between {@code min} and {@code max}. */
  public static Setting duration(String key, Duration defaultValue, Duration min, Duration max, String description) {
    return new Setting(key, null, Type.DURATION, defaultValue == null ? null : defaultValue.toString(), description,
        false, List.of(), min.toMillis(), max.toMillis());
  }

  public static Setting path(String key, String defaultValue, String description) {
    return new Setting(key, null, Type.PATH, defaultValue, description, false, List.of(), 0, 0);
  }

  /** One of {@code choices} (case-insensitive, normalised to the declared spelling). */
  public static Setting choice(String key, String defaultValue, List<String> choices, String description) {
    return new Setting(key, null, Type.CHOICE, defaultValue, description, false, choices, 0, 0);
  }

  /** The same setting read from another variable (for names that predate this scheme). */
  public Setting withEnv(String variable) {
    return new Setting(key, variable, type, defaultValue, description, secret, choices, min, max);
  }

  /** The same setting, its value hidden wherever settings are shown. */
  public Setting asSecret() {
    return new Setting(key, env, type, defaultValue, description, true, choices, min, max);
  }

  public String key() {
    return key;
  }

  public String env() {
    return env;
  }

  public Type type() {
    return type;
  }

  /** The default as text, or null: unset unless given. */
  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }

  public boolean isSecret() {
    return secret;
  }

  public List<String> choices() {
    return choices;
  }

  /**
   * The value checked and normalised (trimmed; a choice in its declared spelling).
   *
   * @throws IllegalArgumentException naming the variable, the key, what is expected and the value given
   */
  public String parse(String raw) {
    String value = raw == null ? "" : raw.strip();
    try {
      switch (type) {
        case STRING -> {
          return value;
        }
        case INT, LONG -> {
          long n = Long.parseLong(value);
          if (n < min || n > max || (type == Type.INT && (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE))) {
            throw invalid(raw, "a whole number between " + (long) min + " and " + (long) max);
          }
          return Long.toString(n);
        }
        case DOUBLE -> {
          double d = Double.parseDouble(value);
          if (!(d >= min && d <= max)) {
            throw invalid(raw, "a number between " + min + " and " + max);
          }
          return Double.toString(d);
        }
        case BOOLEAN -> {
          return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> "true";
            case "false" -> "false";
            default -> throw invalid(raw, "true or false");
          };
        }
        case DURATION -> {
          Duration d = Duration.parse(value);
          if (d.toMillis() < min || d.toMillis() > max) {
            throw invalid(raw, "an ISO-8601 duration between " + Duration.ofMillis((long) min) + " and "
                + Duration.ofMillis((long) max));
          }
          return d.toString();
        }
        case PATH -> {
          if (value.isEmpty()) {
            throw invalid(raw, "a path");
          }
          Path.of(value);
          return value;
        }
        case CHOICE -> {
          for (String choice : choices) {
            if (choice.equalsIgnoreCase(value)) {
              return choice;
            }
          }
          throw invalid(raw, "one of " + String.join(", ", choices));
        }
        default -> throw new IllegalStateException("unhandled type " + type);
      }
    } catch (NumberFormatException | DateTimeParseException | InvalidPathException e) {
      String expected = switch (type) {
        case INT, LONG -> "a whole number";
        case DOUBLE -> "a number";
        case DURATION -> "an ISO-8601 duration such as PT5M";
        default -> "a path";
      };
      IllegalArgumentException error = invalid(raw, expected);
      error.initCause(e);
      throw error;
    }
  }

  private IllegalArgumentException invalid(String raw, String expected) {
    String shown = secret ? "[hidden]" : "'" + raw + "'";
    return new IllegalArgumentException(env + " (" + key + ") must be " + expected + ", got " + shown);
  }

  @Override
  public String toString() {
    return key + " (" + env + ")";
  }
}
