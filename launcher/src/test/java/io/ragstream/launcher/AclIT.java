package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Document ACLs end to end on the embedded stack, with two keys of one tenant ({@code group:eng} and
 * {@code group:sales}): a document published with {@code acl=group:eng} over the ingest API is found by the first key
 * in every mode and is invisible to the second everywhere (search, document status, answers, the cache, MCP); a
 * document without an ACL is found by both. The MCP server is exercised through the official SDK's own client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String TENANT = "acme";
  private static final String ENG_KEY = "eng-key-0123456789";
  private static final String SALES_KEY = "sales-key-0123456789";
  private static final String UNPRIVILEGED_KEY = "plain-key-0123456789";
  private static final String ENG_TEXT = "The eng roadmap: project BLUEBIRD migrates the billing cluster to arm64"
      + " servers before the winter freeze.";
  private static final String PUBLIC_TEXT = "The cafeteria menu: the billing team lunch is on Friday, with a"
      + " cluster of tables reserved by the window.";
  private static final List<String> MODES = List.of("keyword", "vector", "hybrid");

  // the same keys on both ports, as `up` reads them from the environment
  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withEnvironment(
      Map.of(ApiKeys.KEYS_ENV, ENG_KEY + "=" + TENANT + "|group:eng," + SALES_KEY + "=" + TENANT + "|group:sales,"
          + UNPRIVILEGED_KEY + "=" + TENANT));

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;

  @BeforeAll
  void start() throws Exception {
    stack = STACK.stack();
    // through the ingest API, so the repeatable acl parameter is what sets the ACL
    assertThat(upload("eng-doc", ENG_TEXT, "acl=group:eng&acl=user:ann").statusCode()).isEqualTo(202);
    assertThat(upload("public-doc", PUBLIC_TEXT, null).statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> indexedChunks("eng-doc", ENG_KEY) > 0);
    await().atMost(PATIENCE).until(() -> indexedChunks("public-doc", SALES_KEY) > 0);
  }

  @Test
  void aDocumentWithAnAclIsFoundOnlyByItsPrincipalsInEveryMode() throws Exception {
    for (String mode : MODES) {
      assertThat(docIds(search("BLUEBIRD billing cluster arm64", mode, ENG_KEY))).as(mode).contains("eng-doc");
      for (String key : List.of(SALES_KEY, UNPRIVILEGED_KEY)) {
        assertThat(docIds(search("BLUEBIRD billing cluster arm64", mode, key))).as("%s / %s", mode, key)
            .doesNotContain("eng-doc");
      }
      for (String key : List.of(ENG_KEY, SALES_KEY, UNPRIVILEGED_KEY)) {
        assertThat(docIds(search("cafeteria menu billing lunch", mode, key))).as("%s / %s", mode, key)
            .contains("public-doc");
      }
    }
  }

  @Test
  void theAclIsAPreFilterSoResultsAreNotShortForTheOtherKey() throws Exception {
    // with k=1 a post-filter would drop the eng chunk (the best match) and return nothing
    for (String mode : MODES) {
      JsonNode sales = search("BLUEBIRD billing cluster arm64 servers", mode, SALES_KEY, 1);
      assertThat(docIds(sales)).as(mode).hasSize(1).doesNotContain("eng-doc");
    }
  }

  @Test
  void documentStatusIsNotFoundForACallerOutsideTheAcl() throws Exception {
    assertThat(send("GET", "/v1/documents/eng-doc", null, ENG_KEY).statusCode()).isEqualTo(200);
    HttpResponse<String> hidden = send("GET", "/v1/documents/eng-doc", null, SALES_KEY);
    assertThat(hidden.statusCode()).isEqualTo(404);
    assertThat(hidden.body()).doesNotContain("BLUEBIRD", "eng-doc.txt", "group:eng");
    assertThat(send("GET", "/v1/documents/public-doc", null, SALES_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void answersNeverCiteADocumentOutsideTheCallersAcl() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/answer",
        "{\"query\": \"What does project BLUEBIRD migrate?\"}", SALES_KEY);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).doesNotContain("BLUEBIRD", "eng-doc");
    assertThat(send("POST", "/v1/answer", "{\"query\": \"What does project BLUEBIRD migrate?\"}", ENG_KEY).body())
        .contains("eng-doc");
  }

  @Test
  void theCacheIsKeyedByTheCallersPrincipals() throws Exception {
    String query = "roadmap BLUEBIRD winter freeze";
    JsonNode first = search(query, "hybrid", ENG_KEY);
    assertThat(docIds(first)).contains("eng-doc");
    assertThat(search(query, "hybrid", ENG_KEY).path("cached").asBoolean()).as("the repeat is a hit").isTrue();
    JsonNode other = search(query, "hybrid", SALES_KEY);
    assertThat(other.path("cached").asBoolean()).as("another key's principals miss").isFalse();
    assertThat(docIds(other)).doesNotContain("eng-doc");
  }

  @Test
  void mcpClientInitializesListsToolsAndSearchesWithinTheKeysAcl() {
    try (McpSyncClient eng = mcpClient(ENG_KEY); McpSyncClient sales = mcpClient(SALES_KEY)) {
      McpSchema.InitializeResult init = eng.initialize();
      assertThat(init.protocolVersion()).isEqualTo(ProtocolVersions.MCP_2025_11_25);
      assertThat(init.serverInfo().name()).isEqualTo("ragstream");
      assertThat(eng.listTools().tools()).extracting(McpSchema.Tool::name).contains("search", "get_document");

      McpSchema.CallToolResult found = eng.callTool(new McpSchema.CallToolRequest("search",
          Map.of("query", "BLUEBIRD billing cluster arm64", "k", 5, "mode", "hybrid")));
      assertThat(found.isError()).isNotEqualTo(Boolean.TRUE);
      assertThat(text(found)).contains("docId=eng-doc", "chunkId=", "score=");
      assertThat(found.structuredContent()).asString().contains("eng-doc");

      sales.initialize();
      McpSchema.CallToolResult hidden = sales.callTool(new McpSchema.CallToolRequest("search",
          Map.of("query", "BLUEBIRD billing cluster arm64", "k", 5)));
      assertThat(text(hidden)).doesNotContain("eng-doc", "BLUEBIRD");

      McpSchema.CallToolResult document = eng.callTool(new McpSchema.CallToolRequest("get_document",
          Map.of("docId", "eng-doc")));
      assertThat(text(document)).contains("BLUEBIRD");
      McpSchema.CallToolResult notVisible = sales.callTool(new McpSchema.CallToolRequest("get_document",
          Map.of("docId", "eng-doc")));
      assertThat(notVisible.isError()).isTrue();
      assertThat(text(notVisible)).doesNotContain("BLUEBIRD");
    }
  }

  @Test
  void mcpWithoutAKeyIsRefusedWith401() throws Exception {
    try (McpSyncClient anonymous = mcpClient(null)) {
      assertThatThrownBy(anonymous::initialize).hasStackTraceContaining("Authorization");
    }
    HttpResponse<String> raw = http.send(HttpRequest.newBuilder(uri("/mcp"))
        .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isEqualTo(401);
    assertThat(raw.headers().firstValue("WWW-Authenticate")).isPresent();
  }

  @Test
  void embeddingsReturnTheVectorTheQuerySideSearchesWith() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/embeddings",
        "{\"input\": [\"BLUEBIRD billing cluster\", \"lunch\"]}", SALES_KEY);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = HttpJson.mapper().readTree(response.body());
    String modelId = STACK.config().modelId();
    assertThat(body.path("model").asText()).isEqualTo(modelId);
    assertThat(body.path("data")).hasSize(2);
    assertThat(body.path("usage").path("prompt_tokens").asInt()).isPositive();
    try (EmbeddingModel model = EmbeddingModels.load(modelId)) {
      float[] expected = model.embedQuery("BLUEBIRD billing cluster");
      JsonNode actual = body.path("data").get(0).path("embedding");
      assertThat(actual).hasSize(expected.length);
      for (int i = 0; i < expected.length; i++) {
        assertThat((float) actual.get(i).asDouble()).as("component %d", i).isCloseTo(expected[i],
            org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
    assertThat(send("POST", "/v1/embeddings", "{\"input\": \"x\"}", null).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/v1/embeddings", "{\"input\": \"x\", \"model\": \"other\"}", ENG_KEY).statusCode())
        .isEqualTo(400);
  }

  @Test
  void anAclOnlyChangeReindexesTheDocumentWithTheNewAcl() throws Exception {
    assertThat(upload("moving-doc", "Quarterly HERON forecast for the sales pipeline.", "acl=group:eng")
        .statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> indexedChunks("moving-doc", ENG_KEY) > 0);
    assertThat(indexedChunks("moving-doc", SALES_KEY)).isZero();
    // the same content, only the ACL changes
    assertThat(upload("moving-doc", "Quarterly HERON forecast for the sales pipeline.", "acl=group:sales")
        .statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> indexedChunks("moving-doc", SALES_KEY) > 0);
    await().atMost(PATIENCE).until(() -> indexedChunks("moving-doc", ENG_KEY) == 0);
    for (String mode : MODES) {
      assertThat(docIds(search("HERON forecast", mode, SALES_KEY))).as(mode).contains("moving-doc");
      assertThat(docIds(search("HERON forecast", mode, ENG_KEY))).as(mode).doesNotContain("moving-doc");
    }
  }

  private McpSyncClient mcpClient(String key) {
    HttpRequest.Builder requests = HttpRequest.newBuilder();
    if (key != null) {
      requests.header("Authorization", "Bearer " + key);
    }
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("http://127.0.0.1:" + stack.httpPort()).endpoint("/mcp").requestBuilder(requests).build();
    return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60)).build();
  }

  private static String text(McpSchema.CallToolResult result) {
    StringBuilder text = new StringBuilder();
    result.content().forEach(c -> {
      if (c instanceof McpSchema.TextContent t) {
        text.append(t.text());
      }
    });
    return text.toString();
  }

  private HttpResponse<String> upload(String docId, String text, String acl) throws Exception {
    String query = "?id=" + enc(docId) + "&tenant=" + TENANT + "&name=" + enc(docId + ".txt")
        + (acl == null ? "" : "&" + acl);
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.ingestPort() + "/v1/documents"
            + query)).header("Content-Type", "text/plain").header("Authorization", "Bearer " + ENG_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode search(String query, String mode, String key) throws Exception {
    return search(query, mode, key, 10);
  }

  private JsonNode search(String query, String mode, String key, int k) throws Exception {
    HttpResponse<String> response = send("GET", "/v1/search?q=" + enc(query) + "&k=" + k + "&mode=" + mode, null,
        key);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }

  private static List<String> docIds(JsonNode body) {
    List<String> ids = new ArrayList<>();
    body.path("results").forEach(r -> ids.add(r.path("docId").asText()));
    return ids;
  }

  private int indexedChunks(String docId, String key) throws Exception {
    HttpResponse<String> response = send("GET", "/v1/documents/" + enc(docId), null, key);
    return response.statusCode() == 200 ? HttpJson.mapper().readTree(response.body()).path("chunks").asInt() : 0;
  }

  private HttpResponse<String> send(String method, String path, String body, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + stack.httpPort() + path);
  }

  private static String enc(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
