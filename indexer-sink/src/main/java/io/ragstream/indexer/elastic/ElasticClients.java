package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;

/** Creates the Elasticsearch client the stores share. */
public final class ElasticClients {
  private ElasticClients() {}

  /**
   * A client for {@code settings.url()}. It serialises with Jackson 2, the one Jackson the rest of ragstream uses
   * (managed by the root BOM), instead of the client's Jackson 3 default, so one JSON stack is on the classpath.
   * Close it when done (it holds the HTTP connection pool).
   */
  public static ElasticsearchClient create(ElasticSettings settings) {
    return ElasticsearchClient.of(b -> {
      b.host(settings.url()).jsonMapper(new JacksonJsonpMapper());
      if (settings.apiKey() != null) {
        b.apiKey(settings.apiKey());
      } else if (settings.username() != null) {
        b.usernameAndPassword(settings.username(), settings.password());
      }
      return b;
    });
  }
}
