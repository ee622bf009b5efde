package io.ragstream.indexer.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the client sends to a secured node. The core-only Elasticsearch distribution the real-server tests run has no
 * security module, so a loopback HTTP server records the {@code Authorization} header instead.
 */
class ElasticClientsTest {
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private String url;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      // the client refuses any server that does not say it is Elasticsearch
      exchange.getResponseHeaders().add("X-Elastic-Product", "Elasticsearch");
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aUserIsSentAsBasicAuthentication() throws Exception {
    try (ElasticsearchClient client = ElasticClients.create(ElasticSettings.local(url).withUser("ragstream", "s3cr:t"))) {
      assertThat(client.ping().value()).isTrue();
    }
    assertThat(authorizations).containsExactly("Basic " + Base64.getEncoder()
        .encodeToString("ragstream:s3cr:t".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void anApiKeyIsSentAsSuchAndNoCredentialsAsNone() throws Exception {
    ElasticSettings local = ElasticSettings.local(url);
    try (ElasticsearchClient keyed = ElasticClients.create(new ElasticSettings(url, "a2V5OnNlY3JldA==", local.alias(),
        local.refresh(), local.replicas(), local.maxAttempts(), local.initialBackoff()));
        ElasticsearchClient open = ElasticClients.create(local)) {
      keyed.ping();
      open.ping();
    }
    assertThat(authorizations).containsExactly("ApiKey a2V5OnNlY3JldA==", "null");
  }

  @Test
  void halfAUserOrAUserAndAKeyAreRefused() {
    ElasticSettings local = ElasticSettings.local(url);
    assertThatThrownBy(() -> local.withUser("ragstream", null)).hasMessageContaining("both a username and a password");
    assertThatThrownBy(() -> new ElasticSettings(url, "key", local.alias(), local.refresh(), local.replicas(),
        local.maxAttempts(), local.initialBackoff(), local.analyzer(), "ragstream", "pw")).hasMessageContaining("not both");
  }
}
