package io.ragstream.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A real Elasticsearch node from the Maven Central distribution: it starts, answers, keeps what it was given across a
 * restart from the supervisor's {@link ElasticsearchNode#processBuilder()}, and leaves no process behind.
 */
class ElasticsearchNodeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void runsIndexesVectorsSurvivesARestartAndStopsItsWholeProcessTree() throws Exception {
    assumeTrue(ElasticsearchNode.unavailableReason().isEmpty(), ElasticsearchNode.unavailableReason().orElse(""));
    Path dir = Files.createDirectories(Path.of("target", "elasticsearch-node-it")).toAbsolutePath();
    ElasticsearchNode.deleteTree(dir.resolve("node"));
    ElasticsearchNode node = ElasticsearchNode.builder(dir.resolve("node"))
        .home(dir.resolve("home")).build();

    List<ProcessHandle> tree;
    try (ElasticsearchNode.Running running = node.start()) {
      URI url = running.url();
      assertThat(running.isAlive()).isTrue();
      tree = ProcessHandle.of(running.pid()).orElseThrow().descendants().toList();
      assertThat(tree).as("the launcher runs the server JVM as its child").isNotEmpty();

      send(url, "PUT", "/vectors", """
          {"settings":{"number_of_replicas":0},"mappings":{"properties":{"text":{"type":"text"},
            "v":{"type":"dense_vector","dims":3,"similarity":"cosine","index_options":{"type":"int8_hnsw"}}}}}""");
      send(url, "POST", "/_bulk?refresh=true", """
          {"index":{"_index":"vectors","_id":"a"}}
          {"text":"red apples","v":[1,0,0]}
          {"index":{"_index":"vectors","_id":"b"}}
          {"text":"green pears","v":[0,1,0]}
          """);
      JsonNode knn = send(url, "POST", "/vectors/_search", """
          {"knn":{"field":"v","query_vector":[0.9,0.1,0],"k":1,"num_candidates":10}}""");
      assertThat(knn.at("/hits/hits/0/_id").asText()).isEqualTo("a");
      JsonNode bm25 = send(url, "POST", "/vectors/_search", """
          {"query":{"match":{"text":"pears"}}}""");
      assertThat(bm25.at("/hits/hits/0/_id").asText()).isEqualTo("b");
    }
    assertThat(tree).allSatisfy(p -> assertThat(p.isAlive()).isFalse());

    // the supervisor's way: prepare, spawn the process builder, kill it hard, spawn again on the same data
    node.prepare();
    Process first = node.processBuilder().start();
    try {
      ElasticsearchNode.awaitHealth(node.url(), ElasticsearchNode.Health.GREEN, Duration.ofMinutes(2), first);
      assertThat(send(node.url(), "GET", "/vectors/_count", null).path("count").asLong()).isEqualTo(2);
    } finally {
      List<ProcessHandle> children = first.descendants().toList();
      first.destroyForcibly();
      first.waitFor();
      // the server JVM notices its launcher's death (its stdin closes) and exits by itself
      for (ProcessHandle child : children) {
        child.onExit().get();
      }
    }
  }

  private JsonNode send(URI url, String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url.resolve(path)).header("Content-Type",
        path.contains("_bulk") ? "application/x-ndjson" : "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 299);
    return JSON.readTree(response.body());
  }
}
