package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.runtime.auth.ApiKeys;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthenticationHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FakeChunkSearcher searcher = new FakeChunkSearcher()
      .keyword(hit(chunk("a", "doc1", "acme", Map.of()), 2f), hit(chunk("g", "doc2", "globex", Map.of()), 1f))
      .vector(hit(chunk("a", "doc1", "acme", Map.of()), 0.9f));
  private SearchService service;
  private QueryHttpServer server;
  private TestHttp http;

  @BeforeEach
  void start() throws Exception {
    service = new SearchService(searcher, new FakeEmbeddingModel(), SearchConfig.defaults());
    server = new QueryHttpServer(0, service, searcher, () -> true)
        .apiKeys(ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "acme-key=acme,globex-key=globex")))
        .start();
    http = new TestHttp(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    service.close();
  }

  @Test
  void refusesARequestWithoutAValidKeyWith401Json() throws Exception {
    for (HttpResponse<String> response : new HttpResponse[] {
        http.get("/v1/search?q=x"),
        http.get("/v1/search?q=x", "Authorization", "Bearer wrong"),
        http.post("/v1/answer", "{\"query\": \"x\"}", "X-API-Key", ""),
        http.get("/v1/experiments/x"),
        http.get("/")}) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> v.startsWith("Bearer"));
      assertThat(JSON.readTree(response.body()).get("error").asText()).contains("API key");
    }
    assertThat(searcher.calls).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/health", "/ready", "/metrics", "/openapi.json"})
  void leavesProbesMetricsAndTheApiDescriptionOpen(String path) throws Exception {
    assertThat(http.get(path).statusCode()).isEqualTo(200);
  }

  @Test
  void takesTheTenantFromTheKey() throws Exception {
    HttpResponse<String> bearer = http.get("/v1/search?q=x&mode=keyword", "Authorization", "Bearer acme-key");
    HttpResponse<String> header = http.post("/v1/search", "{\"query\": \"x\", \"mode\": \"keyword\"}",
        "X-API-Key", "globex-key");

    assertThat(bearer.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(bearer.body()).get("results").get(0).get("chunkId").asText()).isEqualTo("a");
    assertThat(JSON.readTree(header.body()).get("results").get(0).get("chunkId").asText()).isEqualTo("g");
    assertThat(searcher.calls).extracting(c -> c.filter().tenant()).containsExactly("acme", "globex");
  }

  @Test
  void refusesARequestNamingAnotherTenantWith403() throws Exception {
    HttpResponse<String> get = http.get("/v1/search?q=x&tenant=globex", "X-API-Key", "acme-key");
    HttpResponse<String> post = http.post("/v1/search", "{\"query\": \"x\", \"tenant\": \"globex\"}",
        "X-API-Key", "acme-key");
    HttpResponse<String> doc = http.get("/v1/documents/doc2?tenant=globex", "X-API-Key", "acme-key");
    HttpResponse<String> own = http.get("/v1/search?q=x&tenant=acme", "X-API-Key", "acme-key");

    assertThat(get.statusCode()).isEqualTo(403);
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(doc.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(get.body()).get("error").asText()).contains("another tenant");
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(searcher.calls).extracting(c -> c.filter().tenant()).containsOnly("acme");
  }

  @Test
  void refusesCrossOriginWritesEvenWithAKeyAndSetsSecurityHeadersEverywhere() throws Exception {
    HttpResponse<String> crossSite = http.post("/v1/search", "{\"query\": \"x\"}", "X-API-Key", "acme-key",
        "Origin", "http://evil.example");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(crossSite.body()).get("error").asText()).contains("cross-origin");
    HttpResponse<String> sameOrigin = http.post("/v1/search", "{\"query\": \"x\"}", "X-API-Key", "acme-key",
        "Origin", "http://localhost:" + server.port());
    assertThat(sameOrigin.statusCode()).isEqualTo(200);

    for (HttpResponse<String> response : List.of(sameOrigin, crossSite, http.get("/v1/search?q=x"),
        http.get("/health"), http.get("/nowhere", "X-API-Key", "acme-key"))) {
      assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    }
  }

  @Test
  void aKeyOfferingPrincipalsStillActsForItsTenant() throws Exception {
    try (QueryHttpServer principals = new QueryHttpServer(0, service, searcher, () -> true)
        .apiKeys(ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "eng-key=acme|group:eng"))).start()) {
      TestHttp client = new TestHttp(principals.port());
      assertThat(client.get("/v1/search?q=x&mode=keyword", "Authorization", "Bearer eng-key").statusCode())
          .isEqualTo(200);
      assertThat(client.get("/v1/search?q=x&tenant=globex", "Authorization", "Bearer eng-key").statusCode())
          .isEqualTo(403);
      assertThat(searcher.calls).extracting(c -> c.filter().tenant()).containsOnly("acme");
    }
  }
}
