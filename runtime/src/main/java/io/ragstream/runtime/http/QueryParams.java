package io.ragstream.runtime.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The decoded parameters of a query string ({@code application/x-www-form-urlencoded}: {@code +} is a space). Bad
 * percent-encoding (including escapes that are not UTF-8) and unparseable values are {@link HttpError#badRequest
 * 400}s naming the parameter.
 */
public final class QueryParams {
  private final Map<String, List<String>> values;

  private QueryParams(Map<String, List<String>> values) {
    this.values = values;
  }

  /** Parses a raw (still encoded) query string; null or empty gives no parameters. */
  public static QueryParams parse(String rawQuery) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
      }
    }
    values.replaceAll((n, v) -> List.copyOf(v));
    return new QueryParams(Collections.unmodifiableMap(values));
  }

  /** The first value of the parameter, if present. */
  public Optional<String> get(String name) {
    List<String> v = values.get(name);
    return v == null ? Optional.empty() : Optional.of(v.getFirst());
  }

  /** Every value of a repeated parameter, in order; empty if absent. */
  public List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  /** The parameter as a non-blank string, or 400. */
  public String required(String name) {
    return get(name).filter(v -> !v.isBlank())
        .orElseThrow(() -> HttpError.badRequest("parameter '" + name + "' is required"));
  }

  /**
   * The parameter as an integer in {@code [min, max]}, the default if absent; 400 if not an integer or out of range.
   */
  public int intParam(String name, int defaultValue, int min, int max) {
    Optional<String> raw = get(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    int value;
    try {
      value = Integer.parseInt(raw.get().strip());
    } catch (NumberFormatException e) {
      throw HttpError.badRequest("parameter '" + name + "' must be an integer, got '" + raw.get() + "'");
    }
    if (value < min || value > max) {
      throw HttpError.badRequest("parameter '" + name + "' must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  /** {@code true}/{@code false} (case-insensitive); the default if absent; 400 otherwise. */
  public boolean booleanParam(String name, boolean defaultValue) {
    return get(name).map(v -> switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw HttpError.badRequest("parameter '" + name + "' must be true or false, got '" + v + "'");
    }).orElse(defaultValue);
  }

  /** Names of all parameters, in order of first appearance. */
  public Set<String> names() {
    return values.keySet();
  }

  /** 400 if any parameter is not in {@code known}: a typo should fail loudly rather than be ignored. */
  public void rejectUnknown(Set<String> known) {
    for (String name : values.keySet()) {
      if (!known.contains(name)) {
        throw HttpError.badRequest("unknown parameter '" + InputLimits.printable(name) + "'; known: " + String.join(", ", known));
      }
    }
  }

  private static String decode(String s) {
    try {
      return PercentDecoding.decode(s, true);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("malformed query string: bad percent-encoding in '" + s + "'");
    }
  }
}
