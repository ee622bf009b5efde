package io.ragstream.launcher;

import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.schemas.Topics;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.runtime.http.HttpJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The quick start in one command: the embedded stack, the sample folder published through the real pipeline, a few
 * searches in each mode once every sample is indexed, then the stack keeps serving until Ctrl-C (or exits with
 * {@code --exit}).
 */
@Command(name = "demo", description = "Start the embedded stack, publish samples/, search them, keep serving.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "data/demo", description = "state directory (default: ./data/demo)")
  Path dataDir;

  @Option(names = "--samples", defaultValue = "samples", description = "folder to publish (default: ./samples)")
  Path samples;

  @Option(names = "--http-port", defaultValue = "8080") int httpPort;

  @Option(names = "--ingest-port", defaultValue = "8081") int ingestPort;

  @Option(names = "--kafka-port", defaultValue = "9092") int kafkaPort;

  @Option(names = "--exit", description = "stop after the searches instead of serving")
  boolean exit;

  @Override
  public Integer call() throws Exception {
    StackConfig config = new StackConfig(dataDir, kafkaPort, httpPort, ingestPort,
        StackConfig.defaults(dataDir).modelId(), StackConfig.DEFAULT_MAX_UPLOAD_BYTES, Topics.DEFAULT_PREFIX, "g1");
    EmbeddedStack stack = EmbeddedStack.start(config, Metrics.registry());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stack.close();
      stopped.countDown();
    }, "ragstream-shutdown"));
    List<DocumentPublisher.Published> published;
    try (DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "ragstream-demo")) {
      published = publisher.publishPaths(List.of(samples), "default", null);
    }
    published.forEach(p -> System.out.println("published " + p.docId()));
    String base = "http://127.0.0.1:" + stack.httpPort();
    try (HttpClient http = HttpClient.newHttpClient()) {
      awaitIndexed(http, base, published, Duration.ofMinutes(5));
      for (String query : List.of("how does compaction remove a key", "reciprocal rank fusion", "Fresnel lens")) {
        for (String mode : List.of("keyword", "vector", "hybrid")) {
          JsonNode top = get(http, base + "/v1/search?k=1&mode=" + mode + "&q="
              + URLEncoder.encode(query, StandardCharsets.UTF_8)).path("results").path(0);
          System.out.printf("%-36s %-8s → %s  %s%n", query, mode, Path.of(top.path("docId").asText()).getFileName(),
              headings(top.path("headings")));
        }
      }
    }
    System.out.printf("ragstream ready: query http://localhost:%d/v1/search?q=kafka, ingest http://localhost:%d/v1/documents%n",
        stack.httpPort(), stack.ingestPort());
    if (exit) {
      stack.close();
      return 0;
    }
    stopped.await();
    return 0;
  }

  /** Waits until every published document has chunks in the index. */
  private static void awaitIndexed(HttpClient http, String base, List<DocumentPublisher.Published> docs,
      Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (DocumentPublisher.Published doc : docs) {
      String url = base + "/v1/documents/" + URLEncoder.encode(doc.docId(), StandardCharsets.UTF_8);
      // 200 alone is not enough: a document still on its way answers 200 with its progress and 0 chunks
      while (indexedChunks(http, url) == 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(doc.docId() + " was not indexed within " + timeout);
        }
        Thread.sleep(200);
      }
    }
  }

  private static int indexedChunks(HttpClient http, String url) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 200 ? HttpJson.mapper().readTree(response.body()).path("chunks").asInt() : 0;
  }

  private static String headings(JsonNode array) {
    List<String> path = new java.util.ArrayList<>();
    array.forEach(h -> path.add(h.asText()));
    return String.join(" > ", path);
  }

  private static JsonNode get(HttpClient http, String url) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + response.statusCode() + " from " + url + ": " + response.body());
    }
    return HttpJson.mapper().readTree(response.body());
  }
}
