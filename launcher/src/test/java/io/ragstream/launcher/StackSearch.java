package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/search} on an embedded stack's query port, as a user of the HTTP API calls it. */
final class StackSearch {
  private final HttpClient http = HttpClient.newHttpClient();
  private final EmbeddedStack stack;

  StackSearch(EmbeddedStack stack) {
    this.stack = stack;
  }

  /** The results array of a search with {@code k=10}; each filter becomes a {@code filter.KEY=VALUE} parameter. */
  JsonNode results(String query, String mode, Map<String, String> filter) throws Exception {
    StringBuilder uri = new StringBuilder("http://127.0.0.1:" + stack.httpPort() + "/v1/search?k=10&mode=" + mode
        + "&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
    filter.forEach((key, value) -> uri.append("&filter.").append(URLEncoder.encode(key, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri.toString())).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body()).path("results");
  }

  /** {@code GET /v1/documents/{docId}}: the index's view plus {@code "pipeline"}, the status tracker's. */
  JsonNode document(String docId) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/documents/" + URLEncoder.encode(docId, StandardCharsets.UTF_8))).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("%s: %s", docId, response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }

  /** {@code GET} of a path on the query port, as text (e.g. {@code /metrics}). */
  String text(int port, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  /** The docIds of the results, in rank order, each once. */
  List<String> docIds(String query, String mode, Map<String, String> filter) throws Exception {
    List<String> ids = new ArrayList<>();
    results(query, mode, filter).forEach(r -> ids.add(r.path("docId").asText()));
    return ids.stream().distinct().toList();
  }

  List<String> docIds(String query, String mode) throws Exception {
    return docIds(query, mode, Map.of());
  }

  /** The texts of the results that belong to {@code docId}. */
  List<String> texts(String query, String mode, String docId) throws Exception {
    List<String> texts = new ArrayList<>();
    results(query, mode, Map.of()).forEach(r -> {
      if (r.path("docId").asText().equals(docId)) {
        texts.add(r.path("text").asText());
      }
    });
    return texts;
  }

  /** The metadata of {@code docId}'s first result, or an empty node where it is not among the results. */
  JsonNode metadata(String query, String mode, String docId) throws Exception {
    for (JsonNode r : results(query, mode, Map.of())) {
      if (r.path("docId").asText().equals(docId)) {
        return r.path("metadata");
      }
    }
    return HttpJson.mapper().createObjectNode();
  }
}
