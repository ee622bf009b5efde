package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QueryHttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final StoredChunk A = new StoredChunk("a", "doc1", "default", 3L, 0, "Guide", List.of("Intro"),
      "Lucene is a search library", "guide.md", Map.of("lang", "en"), "fake-model", null, 1L);
  private static final StoredChunk B = new StoredChunk("b", "doc1", "default", 4L, 1, "Guide",
      List.of("Intro", "Vectors"), "HNSW graphs", "guide.md", Map.of("lang", "en"), "fake-model", null, 1L);
  private static final StoredChunk C = chunk("c", "doc2");
  private static final StoredChunk NESTED = chunk("n", "docs/guide.md");

  private final FakeChunkSearcher searcher = new FakeChunkSearcher()
      .keyword(hit(A, 2.5f), hit(B, 1.5f))
      .vector(hit(C, 0.9f), hit(A, 0.8f))
      .store(B, A, C, NESTED);
  private final AtomicBoolean ready = new AtomicBoolean(false);
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private SearchService service;
  private QueryHttpServer server;

  @BeforeEach
  void start() throws IOException {
    // RRF k=60: the scores asserted below are computed by hand for it
    service = new SearchService(searcher, new FakeEmbeddingModel(), new SearchConfig(60, 50, 100));
    server = new QueryHttpServer(0, service, searcher, ready::get).start();
  }

  @AfterEach
  void stop() {
    server.close();
    service.close();
  }

  @Test
  void bindsAnEphemeralPort() {
    assertThat(server.port()).isPositive().isNotEqualTo(QueryHttpServer.DEFAULT_PORT);
  }

  @Test
  void getSearchAnswersTheContractShape() throws Exception {
    HttpResponse<String> response = get("/v1/search?q=lucene&k=2&mode=hybrid");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("mode").asText()).isEqualTo("hybrid");
    assertThat(body.get("tookMs").isIntegralNumber()).isTrue();
    assertThat(body.get("results")).hasSize(2);
    JsonNode first = body.get("results").get(0);
    assertThat(first.get("chunkId").asText()).isEqualTo("a");
    assertThat(first.get("docId").asText()).isEqualTo("doc1");
    assertThat(first.get("score").asDouble()).isEqualTo(1.0 / 61 + 1.0 / 62);
    assertThat(first.get("text").asText()).isEqualTo("Lucene is a search library");
    assertThat(first.get("title").asText()).isEqualTo("Guide");
    assertThat(first.get("headings").toString()).isEqualTo("[\"Intro\"]");
    assertThat(first.get("metadata").toString()).isEqualTo("{\"lang\":\"en\"}");
    assertThat(first.get("ranks").toString()).isEqualTo("{\"keyword\":1,\"vector\":2}");
    assertThat(first.get("scores").toString()).isEqualTo("{\"keyword\":2.5,\"vector\":0.8}");
    assertThat(body.get("results").get(1).get("ranks").toString()).isEqualTo("{\"vector\":1}");
  }

  @Test
  void getSearchDecodesParametersAndDefaultsToHybridTopTen() throws Exception {
    HttpResponse<String> response = get("/v1/search?q=hello%20w%C3%B6rld+again&tenant=default&filter.lang=en");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("mode").asText()).isEqualTo("hybrid");
    assertThat(searcher.calls(SearchService.KEYWORD)).singleElement().satisfies(c -> {
      assertThat(c.query()).isEqualTo("hello wörld again");
      assertThat(c.filter()).isEqualTo(new SearchFilter("default", Map.of("lang", "en"), null));
    });
    assertThat(searcher.calls(SearchService.VECTOR)).singleElement()
        .satisfies(c -> assertThat(c.vector()).containsExactly(FakeEmbeddingModel.vector("hello wörld again")));
  }

  @Test
  void postSearchTakesTheJsonBody() throws Exception {
    HttpResponse<String> response = post("/v1/search", """
        {"query": "lucene", "k": 1, "mode": "keyword", "tenant": "default", "filter": {"lang": "en"},
         "rerank": false}""");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("mode").asText()).isEqualTo("keyword");
    assertThat(body.get("results")).hasSize(1);
    assertThat(body.get("results").get(0).get("chunkId").asText()).isEqualTo("a");
    assertThat(body.get("results").get(0).get("score").asDouble()).isEqualTo(2.5);
    assertThat(searcher.calls).singleElement().satisfies(c -> {
      assertThat(c.k()).isEqualTo(1);
      assertThat(c.filter()).isEqualTo(new SearchFilter("default", Map.of("lang", "en"), null));
    });
  }

  @Test
  void postSearchNeedsOnlyTheQuery() throws Exception {
    HttpResponse<String> response = post("/v1/search", "{\"query\": \"lucene\"}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("results")).hasSize(3);
    assertThat(searcher.calls).extracting(c -> c.filter().tenant()).containsOnly("default");
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("GET", "/v1/search", null, 400, "'q' is required"),
        Arguments.of("GET", "/v1/search?q=%20%20", null, 400, "'q' is required"),
        Arguments.of("GET", "/v1/search?q=x&k=ten", null, 400, "'k' must be an integer"),
        Arguments.of("GET", "/v1/search?q=x&k=0", null, 400, "between 1 and 100"),
        Arguments.of("GET", "/v1/search?q=x&k=101", null, 400, "between 1 and 100"),
        Arguments.of("GET", "/v1/search?q=x&mode=fuzzy", null, 400, "unknown mode 'fuzzy'"),
        Arguments.of("GET", "/v1/search?q=caf%E9", null, 400, "malformed query string"),
        Arguments.of("GET", "/v1/documents/caf%E9", null, 400, "malformed path"),
        Arguments.of("GET", "/v1/search?q=x&size=3", null, 400, "unknown parameter 'size'"),
        Arguments.of("GET", "/v1/search?q=x&rerank=true", null, 400, "rerank is not configured: "),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"rerank\": true}", 400, "rerank is not configured: "),
        Arguments.of("POST", "/v1/search", "{\"query\": ", 400, "malformed JSON"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\"} trailing", 400, "malformed JSON"),
        Arguments.of("POST", "/v1/search", "", 400, "request body is empty"),
        Arguments.of("POST", "/v1/search", "null", 400, "must not be null"),
        Arguments.of("POST", "/v1/search", "[\"x\"]", 400, "must be an object"),
        Arguments.of("POST", "/v1/search", "{}", 400, "'query' is required"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"  \"}", 400, "'query' is required"),
        Arguments.of("POST", "/v1/search", "{\"query\": 5}", 400, "field 'query' must be a string"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"k\": \"5\"}", 400, "field 'k' must be an integer"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"k\": 2.5}", 400, "field 'k' must be an integer"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"k\": 500}", 400, "between 1 and 100"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"mode\": \"fuzzy\"}", 400, "unknown mode"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"filter\": {\"year\": 2024}}", 400,
            "field 'filter.year' must be a string"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"filter\": [\"a\"]}", 400,
            "field 'filter' must be an object"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"x\", \"filter\": {\"a\": null}}", 400, "filter"),
        Arguments.of("POST", "/v1/search", "{\"querry\": \"x\"}", 400, "unknown field 'querry'"),
        Arguments.of("GET", "/v1/search?q=" + "q".repeat(4097), null, 400, "over the limit of 4096"),
        Arguments.of("POST", "/v1/search", "{\"query\": \"" + "q".repeat(4097) + "\"}", 400, "over the limit"),
        Arguments.of("POST", "/v1/answer", "{\"query\": \"" + "q".repeat(4097) + "\"}", 400, "over the limit"),
        Arguments.of("GET", "/v1/search?q=x" + filters(33), null, 400, "33 entries, over the limit of 32"),
        Arguments.of("GET", "/v1/search?q=x" + filters(1100), null, 400, "over the limit of 32"),
        Arguments.of("GET", "/v1/search?q=x&filter.a%0Ab=x", null, 400, "'a\\nb'"),
        Arguments.of("GET", "/v1/search?q=x&filter.a=x%1B%5B2J", null, 400, "control characters"),
        Arguments.of("GET", "/v1/search?q=x&tenant=a%0Ab", null, 400, "control characters"),
        Arguments.of("GET", "/v1/search?q=x&tenant=", null, 400, "tenant must not be blank"),
        Arguments.of("GET", "/v1/search?q=x&k=0", null, 400, "between 1 and 100"),
        Arguments.of("GET", "/v1/search?q=x&k=99999999999", null, 400, "must be an integer"),
        Arguments.of("GET", "/v1/documents/" + "d".repeat(513), null, 400, "513 bytes"),
        Arguments.of("GET", "/v1/documents/a%0Ab", null, 400, "control characters"),
        Arguments.of("GET", "/v1/nothing", null, 404, "no such endpoint"),
        Arguments.of("GET", "/healthz", null, 404, "no such endpoint"),
        Arguments.of("GET", "/", null, 404, "no such endpoint"),
        Arguments.of("GET", "/v1/documents/unknown", null, 404, "'unknown' has no indexed chunks"),
        Arguments.of("GET", "/v1/documents/doc1?tenant=globex", null, 404, "tenant 'globex'"),
        Arguments.of("DELETE", "/v1/search", null, 405, "allowed: GET, POST"),
        Arguments.of("POST", "/health", "{}", 405, "allowed: GET"));
  }

  private static String filters(int n) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < n; i++) {
      out.append("&filter.k").append(i).append("=v");
    }
    return out.toString();
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @MethodSource("badRequests")
  void badRequestsGetAJsonErrorWithoutInternals(String method, String path, String body, int status, String message)
      throws Exception {
    HttpResponse<String> response = send(method, path, body == null ? BodyPublishers.noBody()
        : BodyPublishers.ofString(body));

    assertError(response, status, message);
  }

  @Test
  void methodNotAllowedCarriesAllowHeader() throws Exception {
    HttpResponse<String> response = send("PUT", "/v1/search", BodyPublishers.ofString("{}"));

    assertError(response, 405, "PUT");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET, POST");
  }

  @Test
  void bodyOverOneMibIsRejectedWith413() throws Exception {
    byte[] big = new byte[(1 << 20) + 1];
    Arrays.fill(big, (byte) ' ');

    assertError(send("POST", "/v1/search", BodyPublishers.ofByteArray(big)), 413, "exceeds the limit of 1048576");
    // without Content-Length (chunked), the limit holds while reading
    assertError(send("POST", "/v1/search", BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))),
        413, "exceeds the limit");
  }

  @Test
  void bodyOfExactlyOneMibIsAccepted() throws Exception {
    String json = "{\"query\": \"x\"}";
    String padded = json + " ".repeat((1 << 20) - json.length());

    assertThat(post("/v1/search", padded).statusCode()).isEqualTo(200);
  }

  @Test
  void failuresInsideAreA500WithoutDetails() throws Exception {
    searcher.beforeKeyword = () -> {
      throw new IllegalStateException("secret internals at /var/lib/index");
    };

    HttpResponse<String> response = get("/v1/search?q=x&mode=keyword");

    assertError(response, 500, "internal server error");
    assertThat(response.body()).doesNotContain("secret");
  }

  @Test
  void healthIsAlwaysUp() throws Exception {
    HttpResponse<String> response = get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body())).isEqualTo(JSON.readTree("{\"status\":\"UP\"}"));
  }

  @Test
  void readyFollowsTheReadinessCheck() throws Exception {
    HttpResponse<String> notReady = get("/ready");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(notReady.body())).isEqualTo(JSON.readTree("{\"status\":\"NOT_READY\"}"));

    ready.set(true);

    HttpResponse<String> isReady = get("/ready");
    assertThat(isReady.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(isReady.body())).isEqualTo(JSON.readTree("{\"status\":\"READY\"}"));
  }

  @Test
  void metricsArePrometheusTextWithQueryLatency() throws Exception {
    assertThat(get("/v1/search?q=x").statusCode()).isEqualTo(200);

    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
    assertThat(response.body()).contains("ragstream_query_latency_seconds_count{mode=\"hybrid\"}")
        .contains("ragstream_query_latency_seconds_bucket{mode=\"hybrid\"");
  }

  @Test
  void documentStatusListsItsChunksInOrder() throws Exception {
    HttpResponse<String> response = get("/v1/documents/doc1");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("docId").asText()).isEqualTo("doc1");
    assertThat(body.get("tenant").asText()).isEqualTo("default");
    assertThat(body.get("chunks").asInt()).isEqualTo(2);
    assertThat(body.get("documentVersion").asLong()).isEqualTo(4L);
    assertThat(body.get("chunkIds").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(body.get("headings").toString()).isEqualTo("[[\"Intro\"],[\"Intro\",\"Vectors\"]]");
    assertThat(body.get("title").asText()).isEqualTo("Guide");
  }

  @Test
  void documentIdsMayContainSlashesEncodedOrNot() throws Exception {
    for (String path : List.of("/v1/documents/docs/guide.md", "/v1/documents/docs%2Fguide.md")) {
      HttpResponse<String> response = get(path);

      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(JSON.readTree(response.body()).get("docId").asText()).isEqualTo("docs/guide.md");
    }
  }

  private void assertError(HttpResponse<String> response, int status, String message) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.size()).isEqualTo(1);
    assertThat(body.get("error").isTextual()).isTrue();
    assertThat(body.get("error").asText()).contains(message)
        .doesNotContain("Exception", "\tat ", "io.ragstream", "java.", "com.fasterxml");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, BodyPublishers.noBody());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return send("POST", path, BodyPublishers.ofString(body));
  }

  private HttpResponse<String> send(String method, String path, BodyPublisher body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
        .method(method, body)
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .build();
    return client.send(request, BodyHandlers.ofString());
  }
}
