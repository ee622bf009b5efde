package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two tenants with overlapping content on one stack: nothing of tenant A ever reaches tenant B (or the default
 * tenant) through keyword, vector or hybrid search, GET or POST, the query cache, document status or answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenancyIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String SHARED = "The orbital telescope mirror was polished by hand for eleven months.";
  private static final String A_SECRET = "Acme merger codename PERIWINKLE closes in March.";
  private static final String B_SECRET = "Globex layoffs codename MARIGOLD start in June.";
  private static final List<String> MODES = List.of("keyword", "vector", "hybrid");

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;

  @BeforeAll
  void start() throws Exception {
    stack = STACK.stack();
    try (DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "tenancy-it")) {
      publish(publisher, "a-shared", "tenant-a", SHARED);
      publish(publisher, "a-secret", "tenant-a", A_SECRET + " " + SHARED);
      publish(publisher, "b-shared", "tenant-b", SHARED);
      publish(publisher, "b-secret", "tenant-b", B_SECRET + " " + SHARED);
    }
    for (String tenant : List.of("tenant-a", "tenant-b")) {
      String prefix = tenant.substring(7, 8);
      for (String doc : List.of(prefix + "-shared", prefix + "-secret")) {
        await().atMost(PATIENCE).until(() -> indexedChunks(doc, tenant) > 0);
      }
    }
  }

  @Test
  void searchInEveryModeSeesOnlyTheCallersTenantEvenForIdenticalText() throws Exception {
    for (String mode : MODES) {
      for (String query : List.of(SHARED, "merger codename PERIWINKLE", "layoffs codename MARIGOLD", "telescope")) {
        assertThat(docIds(getSearch(query, mode, "tenant-b"))).as("%s / %s", mode, query)
            .isNotEmpty().allMatch(id -> id.startsWith("b-"));
        assertThat(docIds(getSearch(query, mode, "tenant-a"))).as("%s / %s", mode, query)
            .isNotEmpty().allMatch(id -> id.startsWith("a-"));
        assertThat(docIds(getSearch(query, mode, null))).as("the default tenant, %s / %s", mode, query).isEmpty();
        assertThat(docIds(postSearch(query, mode, "tenant-b"))).allMatch(id -> id.startsWith("b-"));
      }
    }
  }

  @Test
  void aFilterCannotWidenTheTenant() throws Exception {
    for (String mode : MODES) {
      JsonNode body = get("/v1/search?q=" + enc("PERIWINKLE") + "&mode=" + mode
          + "&tenant=tenant-b&filter.tenant=tenant-a");
      assertThat(docIds(body)).as(mode).noneMatch(id -> id.startsWith("a-"));
    }
  }

  @Test
  void aCachedAnswerOfOneTenantIsNeverServedToAnother() throws Exception {
    String query = "polished telescope mirror months";
    JsonNode first = getSearch(query, "hybrid", "tenant-a");
    JsonNode again = getSearch(query, "hybrid", "tenant-a");
    assertThat(again.path("cached").asBoolean()).as("the repeat is a cache hit").isTrue();
    assertThat(docIds(first)).allMatch(id -> id.startsWith("a-"));

    JsonNode other = getSearch(query, "hybrid", "tenant-b");
    assertThat(other.path("cached").asBoolean()).isFalse();
    assertThat(docIds(other)).isNotEmpty().allMatch(id -> id.startsWith("b-"));
  }

  @Test
  void answersCiteOnlyTheCallersTenant() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/answer",
        "{\"query\": \"What is the merger codename?\", \"tenant\": \"tenant-b\"}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).doesNotContain("PERIWINKLE", "a-secret", "a-shared");
  }

  @Test
  void documentStatusNeverShowsAnotherTenantsIndexedChunks() throws Exception {
    assertThat(status("a-secret", "tenant-a")).isEqualTo(200);
    for (String tenant : List.of("tenant-b", "default")) {
      HttpResponse<String> response = send("GET", "/v1/documents/a-secret?tenant=" + tenant, null);
      assertThat(response.body()).as(tenant).doesNotContain("PERIWINKLE");
      if (response.statusCode() == 200) {
        assertThat(HttpJson.mapper().readTree(response.body()).path("chunks").asInt()).as(tenant).isZero();
      }
    }
  }

  @Test
  void documentStatusOfAnotherTenantsDocumentIsNotFoundAndRevealsNothing() throws Exception {
    HttpResponse<String> response = send("GET", "/v1/documents/a-secret?tenant=tenant-b", null);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).doesNotContain("tenant-a", "a-secret.txt");
  }

  private static void publish(DocumentPublisher publisher, String docId, String tenant, String text) {
    publisher.publish(docId, tenant, "text/plain", docId + ".txt", text.getBytes(StandardCharsets.UTF_8), Map.of());
  }

  private JsonNode getSearch(String query, String mode, String tenant) throws Exception {
    return get("/v1/search?q=" + enc(query) + "&k=10&mode=" + mode + (tenant == null ? "" : "&tenant=" + tenant));
  }

  private JsonNode postSearch(String query, String mode, String tenant) throws Exception {
    HttpResponse<String> response = send("POST", "/v1/search", HttpJson.mapper().writeValueAsString(
        Map.of("query", query, "mode", mode, "tenant", tenant, "k", 10)));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }

  private static List<String> docIds(JsonNode body) {
    List<String> ids = new java.util.ArrayList<>();
    body.path("results").forEach(r -> ids.add(r.path("docId").asText()));
    return ids;
  }

  /** The document's indexed chunks in the tenant (a document on its way, or dead-lettered, is a 200 with 0). */
  private int indexedChunks(String docId, String tenant) throws Exception {
    HttpResponse<String> response = send("GET", "/v1/documents/" + enc(docId) + "?tenant=" + tenant, null);
    return response.statusCode() == 200 ? HttpJson.mapper().readTree(response.body()).path("chunks").asInt() : 0;
  }

  private int status(String docId, String tenant) throws Exception {
    return send("GET", "/v1/documents/" + enc(docId) + (tenant == null ? "" : "?tenant=" + tenant), null)
        .statusCode();
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response = send("GET", path, null);
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
