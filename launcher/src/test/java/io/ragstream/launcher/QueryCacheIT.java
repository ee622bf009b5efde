package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The query cache on the real stack (default: Caffeine, invalidated by the index-events topic): a repeated query is a
 * hit, and once an update of a document is indexed the next query shows the new text, not the cached old one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryCacheIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String QUERY = "lighthouse keeper logbook";

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("query-cache-it");

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;

  @BeforeAll
  void start() throws Exception {
    stack = STACK.stack();
    publisher = STACK.publisher();
  }

  @Test
  void aCachedAnswerIsReplacedOnceTheDocumentsUpdateIsIndexed() throws Exception {
    publish("The lighthouse keeper wrote the logbook by candle light.");
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(topText()).contains("candle light"));

    JsonNode first = search();
    JsonNode second = search();
    assertThat(second.path("cached").asBoolean()).as("a repeated query is answered from the cache").isTrue();
    assertThat(second.path("results")).isEqualTo(first.path("results"));

    publish("The lighthouse keeper wrote the logbook by electric lamp.");

    await().atMost(PATIENCE).untilAsserted(() -> assertThat(topText()).contains("electric lamp"));
    assertThat(topText()).doesNotContain("candle light");
    assertThat(Metrics.scrape()).contains("ragstream_query_cache_total{cache=\"caffeine\",result=\"hit\"}");
  }

  private void publish(String text) {
    publisher.publish("keeper-doc", "default", "text/plain", "keeper.txt", text.getBytes(StandardCharsets.UTF_8),
        Map.of());
  }

  private String topText() throws Exception {
    JsonNode results = search().path("results");
    return results.isEmpty() ? "" : results.get(0).path("text").asText();
  }

  private JsonNode search() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/search?mode=keyword&q=" + URLEncoder.encode(QUERY, StandardCharsets.UTF_8)))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }
}
