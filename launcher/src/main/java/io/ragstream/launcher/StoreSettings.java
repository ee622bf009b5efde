package io.ragstream.launcher;

import io.ragstream.embedding.ModelSettings;
import io.ragstream.runtime.config.Setting;
import java.util.List;

/**
 * The store settings of {@code stage indexer} and {@code stage query}, declared for {@code ragstream config} and the
 * unknown-variable check; {@link StoreOptions} reads the same variables as its flags' defaults and opens the stores.
 */
final class StoreSettings {
  static final Setting STORE = Setting.string("store", StoreOptions.LUCENE,
      "which stores the indexer writes and the query side reads: " + StoreOptions.LUCENE + " | "
          + StoreOptions.ELASTICSEARCH + " | " + StoreOptions.QDRANT_ELASTICSEARCH);
  static final Setting QDRANT_HOST = Setting.string("qdrant.host", "localhost", "Qdrant host (gRPC)");
  static final Setting QDRANT_PORT = Setting.integer("qdrant.port", 6334, 1, 65_535, "Qdrant gRPC port");
  static final Setting QDRANT_TLS = Setting.bool("qdrant.tls", false, "TLS to Qdrant");
  static final Setting QDRANT_API_KEY = Setting.string("qdrant.api-key", null, "Qdrant API key").asSecret();
  static final Setting ELASTICSEARCH_URL = Setting.string("elasticsearch.url", "http://localhost:9200",
      "Elasticsearch URL");
  static final Setting ELASTICSEARCH_API_KEY = Setting.string("elasticsearch.api-key", null,
      "Elasticsearch API key").asSecret();
  static final Setting ELASTICSEARCH_USERNAME = Setting.string("elasticsearch.username", null,
      "Elasticsearch user for basic authentication (with the password; not with an API key)");
  static final Setting ELASTICSEARCH_PASSWORD = Setting.string("elasticsearch.password", null,
      "that user's password").asSecret();
  static final Setting ELASTICSEARCH_ANALYZER = Setting.string("elasticsearch.analyzer",
      io.ragstream.indexer.elastic.ElasticSettings.DEFAULT_ANALYZER,
      "analyzer of the searched text fields (standard exists in every distribution; english on a full one)");

  /** With the model: a new Qdrant collection is sized for its dimension. */
  static final List<Setting> ALL = List.of(STORE, QDRANT_HOST, QDRANT_PORT, QDRANT_TLS, QDRANT_API_KEY,
      ELASTICSEARCH_URL, ELASTICSEARCH_API_KEY, ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD, ELASTICSEARCH_ANALYZER,
      ModelSettings.MODEL);

  /** The options of {@link StoreOptions}, by the setting each stands for. */
  static final List<String[]> FLAGS = List.of(new String[] {"--store", STORE.key()},
      new String[] {"--qdrant-host", QDRANT_HOST.key()}, new String[] {"--qdrant-port", QDRANT_PORT.key()},
      new String[] {"--elasticsearch-url", ELASTICSEARCH_URL.key()});

  private StoreSettings() {}
}
