package io.ragstream.runtime.auth;

import io.ragstream.runtime.config.Setting;
import java.util.List;

/**
 * The settings of the one key model both HTTP ports share (query and ingest), declared once so that `config` shows
 * them for either stage and the unknown-variable check knows them.
 */
public final class AuthSettings {
  public static final Setting API_KEYS = Setting.string("api-keys", null,
      "API keys inline: key=tenant[|principal...] entries, comma-separated (hashed on load); with no file either:"
          + " the API is open (localhost only)").withEnv(ApiKeys.KEYS_ENV).asSecret();
  public static final Setting API_KEYS_FILE = Setting.path("api-keys.file", null,
      "file of '<sha256 hex of key> <tenant> [principal,...]' lines").withEnv(ApiKeys.KEYS_FILE_ENV);
  public static final Setting ALLOWED_HOSTS = Setting.string("allowed-hosts", null,
      "in open mode, Host names accepted besides localhost and IP literals (comma-separated; * for any)")
      .withEnv(BrowserGuard.ALLOWED_HOSTS_ENV);

  public static final List<Setting> ALL = List.of(API_KEYS, API_KEYS_FILE, ALLOWED_HOSTS);

  private AuthSettings() {}
}
