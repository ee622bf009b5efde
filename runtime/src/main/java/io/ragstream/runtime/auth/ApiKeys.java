package io.ragstream.runtime.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * API keys and the {@link Principal} (tenant, optional principals) each one stands for: the one key model of every
 * port (query 8080, ingest 8081). Only SHA-256 digests of the keys are held, so a heap dump, a log line or a leaked
 * config file of digests never reveals a usable key; a presented key is hashed and looked up.
 *
 * <p>Configured from the environment (a Kubernetes Secret mounts either form):
 *
 * <ul>
 *   <li>{@value #KEYS_FILE_ENV}: a file of {@code <sha256 hex of the key> <tenant> [principal,principal...]} lines;
 *       the third column is optional (two-column lines are a key of the whole tenant). Blank lines and lines starting
 *       with {@code #} are skipped. Produce a line with {@code printf %s "$KEY" | sha256sum};
 *   <li>{@value #KEYS_ENV}: {@code key=tenant} or {@code key=tenant|principal|principal} entries separated by
 *       commas, hashed when loaded. Convenient for a Secret exposed as one variable; the clear keys are never stored
 *       or logged.
 * </ul>
 *
 * <p>Both may be set; their union applies. With neither, the service is {@linkplain #isOpen() open}.
 */
public final class ApiKeys {
  public static final String KEYS_ENV = "RAGSTREAM_API_KEYS";
  public static final String KEYS_FILE_ENV = "RAGSTREAM_API_KEYS_FILE";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  /** Tenants and principals: printable, no separator of either format ({@code = , |}), at most 128 characters. */
  private static final Pattern NAME = Pattern.compile("[^\\s=,|\\p{Cntrl}]{1,128}");

  /**
   * Whom a key stands for: a tenant and the principals (e.g. {@code group:eng}, {@code user:ann}) its documents'
   * ACLs are matched against; no principals means the key sees what the whole tenant sees.
   */
  public record Principal(String tenant, List<String> principals) {
    public Principal {
      principals = List.copyOf(principals);
    }
  }

  private final Map<String, Principal> byDigest;

  private ApiKeys(Map<String, Principal> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  /** No keys: every request is served, and names its own tenant. */
  public static ApiKeys open() {
    return new ApiKeys(Map.of());
  }

  /** Keys given by their SHA-256 hex digests, each of a whole tenant. */
  public static ApiKeys ofDigests(Map<String, String> tenantByDigest) {
    Map<String, Principal> checked = new HashMap<>();
    tenantByDigest.forEach((digest, tenant) -> add(checked, digest.toLowerCase(Locale.ROOT), tenant, List.of(),
        "digest map"));
    return new ApiKeys(checked);
  }

  /** Reads {@value #KEYS_FILE_ENV} and {@value #KEYS_ENV}; a malformed entry refuses to start the service. */
  public static ApiKeys fromEnvironment(Map<String, String> env) {
    Map<String, Principal> digests = new HashMap<>();
    String file = env.get(KEYS_FILE_ENV);
    if (file != null && !file.isBlank()) {
      try {
        parseDigestLines(Files.readAllLines(Path.of(file.strip()), StandardCharsets.UTF_8), file, digests);
      } catch (IOException e) {
        throw new UncheckedIOException(KEYS_FILE_ENV + ": cannot read " + file, e);
      }
    }
    String pairs = env.get(KEYS_ENV);
    if (pairs != null && !pairs.isBlank()) {
      parsePairs(pairs, digests);
    }
    return new ApiKeys(digests);
  }

  static void parseDigestLines(List<String> lines, String source, Map<String, Principal> into) {
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2 && parts.length != 3) {
        throw new IllegalArgumentException(source + " line " + (i + 1)
            + ": expected '<sha256 hex> <tenant> [principal,principal...]'");
      }
      List<String> principals = parts.length == 3 ? List.of(parts[2].split(",", -1)) : List.of();
      add(into, parts[0].toLowerCase(Locale.ROOT), parts[1], principals, source + " line " + (i + 1));
    }
  }

  static void parsePairs(String spec, Map<String, Principal> into) {
    String[] entries = spec.split(",");
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      if (entry.isEmpty()) {
        continue;
      }
      int eq = entry.lastIndexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        // the entry holds a clear key: name its position, never its text
        throw new IllegalArgumentException(KEYS_ENV + " entry " + (i + 1)
            + ": expected key=tenant or key=tenant|principal|...");
      }
      String[] who = entry.substring(eq + 1).strip().split("\\|", -1);
      add(into, sha256Hex(entry.substring(0, eq).strip()), who[0],
          List.of(who).subList(1, who.length), KEYS_ENV + " entry " + (i + 1));
    }
  }

  private static void add(Map<String, Principal> into, String digest, String tenant, List<String> principals,
      String where) {
    if (!SHA256_HEX.matcher(digest).matches()) {
      throw new IllegalArgumentException(where + ": not a SHA-256 hex digest (64 hex characters)");
    }
    if (tenant == null || !NAME.matcher(tenant).matches()) {
      throw new IllegalArgumentException(where + ": tenant must be 1 to 128 characters, without spaces, control"
          + " characters, '=', ',' or '|'");
    }
    List<String> checked = new ArrayList<>();
    for (String principal : principals) {
      String p = principal.strip();
      if (!NAME.matcher(p).matches()) {
        throw new IllegalArgumentException(where + ": a principal must be 1 to 128 characters, without spaces,"
            + " control characters, '=', ',' or '|'");
      }
      checked.add(p);
    }
    Principal value = new Principal(tenant, checked);
    Principal previous = into.putIfAbsent(digest, value);
    if (previous != null && !previous.equals(value)) {
      throw new IllegalArgumentException(where + ": the same key is mapped to tenants '" + previous.tenant()
          + "' and '" + tenant + "'" + (previous.tenant().equals(tenant) ? " with other principals" : ""));
    }
  }

  /** Whether no key is configured, so requests are served unauthenticated. */
  public boolean isOpen() {
    return byDigest.isEmpty();
  }

  /** Whom a presented key stands for, empty for an unknown one. */
  public Optional<Principal> principalOf(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(byDigest.get(sha256Hex(presentedKey)));
  }

  /** The tenant of a presented key, empty for an unknown one. */
  public Optional<String> tenantOf(String presentedKey) {
    return principalOf(presentedKey).map(Principal::tenant);
  }

  /** The lower-case hex SHA-256 of a key's UTF-8 bytes, the form {@value #KEYS_FILE_ENV} holds. */
  public static String sha256Hex(String key) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }

  /** Counts and tenants only: safe to log. */
  @Override
  public String toString() {
    return isOpen() ? "ApiKeys[open]" : "ApiKeys[" + byDigest.size() + " keys, tenants "
        + new TreeSet<>(byDigest.values().stream().map(Principal::tenant).toList()) + "]";
  }
}
