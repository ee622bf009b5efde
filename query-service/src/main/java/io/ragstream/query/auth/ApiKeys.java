package io.ragstream.query.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * API keys and the tenant each one stands for. Only SHA-256 digests of the keys are held, so a heap dump, a log line
 * or a leaked config file of digests never reveals a usable key; a presented key is hashed and looked up.
 *
 * <p>Configured from the environment (a Kubernetes Secret mounts either form):
 *
 * <ul>
 *   <li>{@value #KEYS_FILE_ENV}: a file of {@code <sha256 hex of the key> <tenant>} lines; blank lines and lines
 *       starting with {@code #} are skipped. Produce a line with {@code printf %s "$KEY" | sha256sum};
 *   <li>{@value #KEYS_ENV}: {@code key=tenant} pairs separated by commas, hashed when loaded. Convenient for a
 *       Secret exposed as one variable; the clear keys are never stored or logged.
 * </ul>
 *
 * <p>Both may be set; their union applies. With neither, the service is {@linkplain #isOpen() open}.
 */
public final class ApiKeys {
  public static final String KEYS_ENV = "RAGSTREAM_API_KEYS";
  public static final String KEYS_FILE_ENV = "RAGSTREAM_API_KEYS_FILE";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern TENANT = Pattern.compile("[^\\s=,]+");

  private final Map<String, String> tenantByDigest;

  private ApiKeys(Map<String, String> tenantByDigest) {
    this.tenantByDigest = Map.copyOf(tenantByDigest);
  }

  /** No keys: every request is served, and names its own tenant. */
  public static ApiKeys open() {
    return new ApiKeys(Map.of());
  }

  /** Keys given by their SHA-256 hex digests. */
  public static ApiKeys ofDigests(Map<String, String> tenantByDigest) {
    Map<String, String> checked = new HashMap<>();
    tenantByDigest.forEach((digest, tenant) -> add(checked, digest.toLowerCase(java.util.Locale.ROOT), tenant,
        "digest map"));
    return new ApiKeys(checked);
  }

  /** Reads {@value #KEYS_FILE_ENV} and {@value #KEYS_ENV}; a malformed entry refuses to start the service. */
  public static ApiKeys fromEnvironment(Map<String, String> env) {
    Map<String, String> digests = new HashMap<>();
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

  static void parseDigestLines(List<String> lines, String source, Map<String, String> into) {
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(source + " line " + (i + 1) + ": expected '<sha256 hex> <tenant>'");
      }
      add(into, parts[0].toLowerCase(java.util.Locale.ROOT), parts[1], source + " line " + (i + 1));
    }
  }

  static void parsePairs(String spec, Map<String, String> into) {
    String[] entries = spec.split(",");
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      if (entry.isEmpty()) {
        continue;
      }
      int eq = entry.lastIndexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        // the entry holds a clear key: name its position, never its text
        throw new IllegalArgumentException(KEYS_ENV + " entry " + (i + 1) + ": expected key=tenant");
      }
      add(into, sha256Hex(entry.substring(0, eq).strip()), entry.substring(eq + 1).strip(),
          KEYS_ENV + " entry " + (i + 1));
    }
  }

  private static void add(Map<String, String> into, String digest, String tenant, String where) {
    if (!SHA256_HEX.matcher(digest).matches()) {
      throw new IllegalArgumentException(where + ": not a SHA-256 hex digest (64 hex characters)");
    }
    if (tenant == null || !TENANT.matcher(tenant).matches()) {
      throw new IllegalArgumentException(where + ": tenant must be non-blank, without spaces, '=' or ','");
    }
    String previous = into.putIfAbsent(digest, tenant);
    if (previous != null && !previous.equals(tenant)) {
      throw new IllegalArgumentException(where + ": the same key is mapped to tenants '" + previous + "' and '"
          + tenant + "'");
    }
  }

  /** Whether no key is configured, so requests are served unauthenticated. */
  public boolean isOpen() {
    return tenantByDigest.isEmpty();
  }

  /** The tenant of a presented key, empty for an unknown one. */
  public Optional<String> tenantOf(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return Optional.empty();
    }
    return Optional.ofNullable(tenantByDigest.get(sha256Hex(presentedKey)));
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
    return isOpen() ? "ApiKeys[open]"
        : "ApiKeys[" + tenantByDigest.size() + " keys, tenants " + new TreeSet<>(tenantByDigest.values()) + "]";
  }
}
