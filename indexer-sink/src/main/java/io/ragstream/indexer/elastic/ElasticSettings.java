package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch._types.Refresh;
import java.time.Duration;
import java.util.Objects;

/**
 * Where Elasticsearch is and how ragstream uses it.
 *
 * @param url e.g. {@code http://localhost:9200}
 * @param apiKey an API key (base64 id:key), or null for an unsecured node
 * @param alias the alias queries go to; each generation is the index {@code <alias>-<generation>}
 * @param refresh the bulk refresh policy. {@link Refresh#WaitFor} (the default) returns once the writes are
 *     searchable, which the store SPI requires, without forcing a refresh per batch the way {@code true} would
 * @param replicas replicas per index: 0 for a single node (a replica could never be assigned: yellow forever)
 * @param maxAttempts bulk attempts for items that failed with 429 or 5xx, before the write fails as a whole
 * @param initialBackoff the first pause between attempts; doubles each time
 * @param analyzer the analyzer of the searched text fields, a built-in or one the cluster defines. The default,
 *     {@value #DEFAULT_ANALYZER}, exists in every distribution, including the core-only one Maven Central publishes
 *     (no analysis-common module: no {@code english}); on a full Elasticsearch {@code english} adds stemming and
 *     English stop words, like the Lucene store's analyzer (docs/STORES.md)
 */
public record ElasticSettings(String url, String apiKey, String alias, Refresh refresh, int replicas,
    int maxAttempts, Duration initialBackoff, String analyzer) {

  public static final String DEFAULT_ALIAS = "ragstream-chunks";

  /** Built into every Elasticsearch distribution (Unicode word segmentation, lower-casing, no stemming). */
  public static final String DEFAULT_ANALYZER = "standard";

  public ElasticSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(refresh, "refresh");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    if (alias == null || !alias.matches("[a-z0-9][a-z0-9_-]*")) {
      throw new IllegalArgumentException("elasticsearch alias must be lower-case letters, digits, '-' or '_', got "
          + alias);
    }
    if (replicas < 0 || maxAttempts < 1) {
      throw new IllegalArgumentException("replicas must be >= 0 and maxAttempts >= 1");
    }
    if (analyzer == null || !analyzer.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("elasticsearch analyzer must be an analyzer name such as "
          + DEFAULT_ANALYZER + " or english, got " + analyzer);
    }
  }

  /** With the {@value #DEFAULT_ANALYZER} analyzer. */
  public ElasticSettings(String url, String apiKey, String alias, Refresh refresh, int replicas, int maxAttempts,
      Duration initialBackoff) {
    this(url, apiKey, alias, refresh, replicas, maxAttempts, initialBackoff, DEFAULT_ANALYZER);
  }

  /** A single local node: no replicas, refresh wait_for, 5 attempts from 100 ms, the standard analyzer. */
  public static ElasticSettings local(String url) {
    return new ElasticSettings(url, null, DEFAULT_ALIAS, Refresh.WaitFor, 0, 5, Duration.ofMillis(100));
  }

  /** These settings with another alias (each alias is its own set of generations). */
  public ElasticSettings withAlias(String value) {
    return new ElasticSettings(url, apiKey, value, refresh, replicas, maxAttempts, initialBackoff, analyzer);
  }

  /** These settings with another text analyzer. */
  public ElasticSettings withAnalyzer(String value) {
    return new ElasticSettings(url, apiKey, alias, refresh, replicas, maxAttempts, initialBackoff, value);
  }

  /** The index holding one generation. */
  public String index(String generation) {
    return alias + "-" + generation;
  }

  /** The template every generation's index is created from. */
  public String template() {
    return alias + "-template";
  }

  /**
   * Never prints the API key: a record's generated {@code toString} would put it in every log line and error message
   * that mentions these settings.
   */
  @Override
  public String toString() {
    return "ElasticSettings[url=" + url + ", apiKey=" + (apiKey == null ? "none" : "[hidden]") + ", alias=" + alias
        + ", refresh=" + refresh + ", replicas=" + replicas + ", maxAttempts=" + maxAttempts + ", initialBackoff="
        + initialBackoff + ", analyzer=" + analyzer + "]";
  }
}
