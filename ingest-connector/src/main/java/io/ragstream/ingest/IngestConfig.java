package io.ragstream.ingest;

import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.AuthSettings;
import io.ragstream.runtime.auth.BrowserGuard;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The ingest HTTP stage's settings.
 *
 * @param port its HTTP port (uploads, deletes, health, readiness, metrics); 0: ephemeral
 * @param maxUploadBytes the largest body accepted (413 above it)
 * @param auth the key-model settings as variables ({@code RAGSTREAM_API_KEYS}, {@code RAGSTREAM_API_KEYS_FILE},
 *     {@code RAGSTREAM_ALLOWED_HOSTS}), read by {@link ApiKeys} and {@link BrowserGuard} as on the query port
 */
public record IngestConfig(int port, long maxUploadBytes, Map<String, String> auth) {
  public static final int DEFAULT_PORT = 8081;
  public static final long DEFAULT_MAX_UPLOAD_BYTES = 8L * 1024 * 1024;

  public static final Setting PORT = Setting.integer("ingest.port", DEFAULT_PORT, 0, 65_535,
      "ingest HTTP port (POST /v1/documents)");
  public static final Setting MAX_UPLOAD = Setting.longValue("ingest.max-upload-bytes", DEFAULT_MAX_UPLOAD_BYTES, 1,
      16L * 1024 * 1024, "largest upload accepted (413 above it); larger files travel by reference");

  public static final List<Setting> SETTINGS = Stream.concat(Stream.of(PORT, MAX_UPLOAD),
      AuthSettings.ALL.stream()).toList();
  public static final List<Setting> ALL = Stream.concat(CommonSettings.KAFKA.stream(), SETTINGS.stream()).toList();

  public IngestConfig {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("ingest port must be between 0 and 65535, got " + port);
    }
    if (maxUploadBytes < 1 || maxUploadBytes > 16L * 1024 * 1024) {
      throw new IllegalArgumentException("max upload must be between 1 byte and 16 MiB, got " + maxUploadBytes);
    }
    auth = Map.copyOf(auth);
  }

  /** The API keys uploads and deletes need (none: open mode). */
  public ApiKeys keys() {
    return ApiKeys.fromEnvironment(auth);
  }

  public BrowserGuard browsers() {
    return BrowserGuard.fromEnvironment(auth);
  }

  @Override
  public String toString() {
    return "IngestConfig[port=" + port + ", maxUploadBytes=" + maxUploadBytes + "]"; // auth holds secrets
  }

  public static IngestConfig defaults() {
    return new IngestConfig(DEFAULT_PORT, DEFAULT_MAX_UPLOAD_BYTES, Map.of());
  }

  public static IngestConfig from(Settings settings) {
    Map<String, String> auth = new HashMap<>();
    for (Setting setting : AuthSettings.ALL) {
      settings.optional(setting).ifPresent(value -> auth.put(setting.env(), value));
    }
    return new IngestConfig(settings.integer(PORT), settings.longValue(MAX_UPLOAD), auth);
  }
}
