package io.ragstream.launcher.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.servers.ElasticsearchNode;
import io.ragstream.servers.JavaCommand;
import io.ragstream.servers.PrometheusServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The distributed topology for real, from outside: {@code ragstream cluster up} as a child process (3 KRaft brokers,
 * Elasticsearch, Redis, Prometheus when installed, every stage as its own JVM, embedder and query twice), documents
 * uploaded through {@code ingest-0} while {@code embedder-0}, {@code kafka-1} and {@code indexer-0} are SIGKILLed with
 * {@code cluster kill}; every document is then found exactly once on both query replicas, an update is served by
 * both, the killed processes are back, {@code ragstream lag} finds every stage's consumer group, every Prometheus
 * target is up, and {@code cluster down} leaves no process behind.
 *
 * <p>The store is Elasticsearch alone ({@code --store elasticsearch}); where no Elasticsearch node can run here (see
 * {@link ElasticsearchNode#unavailableReason()}) the cluster runs on Lucene, and the test says so on stdout.
 * {@code -Dragstream.cluster.store=...} forces one.
 */
class ClusterIT {
  static final int DOCUMENTS = 300;
  static final ObjectMapper JSON = new ObjectMapper();
  static Path DIR = Path.of("target", "cluster-it").toAbsolutePath();
  static boolean temporaryDir;
  static Process up;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void survivesKilledStagesAndBrokerWithoutLosingOrDuplicatingAndStopsCleanly() throws Exception {
    assumeTrue(io.ragstream.servers.Executables.find("redis-server").isPresent(),
        "redis-server is not installed (apt-get install redis-server): the cluster's query cache needs it");
    String store = store();
    deleteTree(DIR);
    Files.createDirectories(DIR);
    if (!store.equals("lucene") && !ElasticsearchNode.nodeUserCanWrite(DIR)) {
      // as root in a checkout under /root, the node's user cannot reach target/: the cluster lives under /tmp
      DIR = Files.createTempDirectory(Path.of("/tmp"), "ragstream-cluster-it-",
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
      temporaryDir = true;
      System.out.println("ClusterIT's data directory is " + DIR + ": " + ElasticsearchNode.USER
          + " cannot reach target/");
    }
    Path upLog = Path.of("target", "cluster-it-up.log").toAbsolutePath();
    up = cli(List.of("cluster", "up", "--data-dir", DIR.toString(), "--store", store,
        "--replicas", "embedder=2,query=2")).redirectErrorStream(true)
        .redirectOutput(upLog.toFile()).start();
    long began = System.nanoTime();
    await("cluster ready (" + upLog + ")").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1))
        .until(() -> {
          assertThat(up.isAlive()).as("cluster up exited: %s", tail(upLog)).isTrue();
          return Files.readString(upLog).contains("ragstream cluster ready: ");
        });
    System.out.printf("cluster ready after %d s on store %s%n", elapsedSeconds(began), store);

    ClusterState state = ClusterState.read(DIR).orElseThrow();
    assertThat(state.processes()).extracting(ClusterState.Entry::name).contains("kafka-0", "kafka-1", "kafka-2",
        "redis-0", "status-0", "extract-0", "chunker-0", "embedder-0", "embedder-1", "indexer-0", "query-0",
        "query-1", "ingest-0");
    if (!store.equals("lucene")) {
      assertThat(state.processes()).extracting(ClusterState.Entry::name).contains("elasticsearch-0");
    }
    String ps = run("cluster", "ps", "--data-dir", DIR.toString());
    List<String> psLines = ps.lines().filter(l -> !l.startsWith("WARNING")).toList();
    assertThat(psLines.getFirst().split("\\s+")).containsExactly("NAME", "PID", "PORT", "STATE", "RESTARTS");
    assertThat(psLines.subList(1, psLines.size())).hasSize(state.processes().size())
        .allSatisfy(line -> assertThat(line.split("\\s+")[3]).isEqualTo("running"));
    int ingest = port(state, "ingest-0");
    List<Integer> queries = List.of(port(state, "query-0"), port(state, "query-1"));

    // Documents stream in while a stage of each scaled kind and one broker are killed.
    Map<Integer, String> kills = Map.of(DOCUMENTS / 6, "embedder-0", DOCUMENTS / 3, "kafka-1",
        DOCUMENTS * 2 / 3, "indexer-0");
    for (int i = 0; i < DOCUMENTS; i++) {
      if (kills.containsKey(i)) {
        String killed = run("cluster", "kill", kills.get(i), "--data-dir", DIR.toString());
        assertThat(killed).contains("killed " + kills.get(i));
      }
      upload(ingest, "doc-" + i, "Document " + i + " is about marker" + i + "q and nothing else.");
    }
    System.out.printf("%d documents accepted after %d s%n", DOCUMENTS, elapsedSeconds(began));

    // 0 lost, 0 duplicated, on both replicas.
    for (int query : queries) {
      await("every document searchable once on port " + query).atMost(Duration.ofMinutes(10))
          .pollInterval(Duration.ofSeconds(3)).until(() -> missingOrDuplicated(query).isEmpty());
    }
    System.out.printf("all %d documents found exactly once on both query replicas after %d s%n", DOCUMENTS,
        elapsedSeconds(began));

    // An update is served by both replicas, whose answers to the same query were cached before it (Redis, shared).
    for (int query : queries) {
      assertThat(search(query, "marker0q").path("results").get(0).path("text").asText()).contains("Document 0");
    }
    upload(ingest, "doc-0", "Revised: marker0q now talks about an updated subject.");
    await("update served by both replicas").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          for (int q : queries) {
            JsonNode results = search(q, "marker0q").path("results");
            if (results.size() != 1 || !results.get(0).path("text").asText().contains("updated subject")) {
              return false;
            }
          }
          return true;
        });

    // The killed processes are back.
    await("killed processes restarted").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
        .untilAsserted(() -> {
          ClusterState now = ClusterState.read(DIR).orElseThrow();
          for (String name : List.of("embedder-0", "kafka-1", "indexer-0")) {
            ClusterState.Entry e = now.entry(name).orElseThrow();
            assertThat(e.restarts()).as(name + " restarts").isGreaterThanOrEqualTo(1);
            assertThat(e.state()).as(name + " state").isEqualTo("running");
            assertThat(e.handle()).as(name + " process").isPresent();
          }
        });
    String psAfter = run("cluster", "ps", "--data-dir", DIR.toString());
    assertThat(psAfter.lines().filter(l -> l.startsWith("embedder-0 ") || l.startsWith("kafka-1 ")
        || l.startsWith("indexer-0 ")).map(l -> Integer.parseInt(l.split("\\s+")[4]))).hasSize(3)
        .allSatisfy(restarts -> assertThat(restarts).isGreaterThanOrEqualTo(1));

    // `ragstream lag` finds every stage's consumer group (it exits 3 when one is missing).
    String bootstrap = Stream.of("kafka-0", "kafka-1", "kafka-2").map(n -> "127.0.0.1:" + port(state, n))
        .reduce((a, b) -> a + "," + b).orElseThrow();
    String lag = run("lag", "--bootstrap", bootstrap, "--interval-ms", "500");
    assertThat(lag).contains("ragstream.extract", "ragstream.chunker", "ragstream.embedder", "ragstream.indexer",
        "ragstream.status");

    // Every Prometheus target is up (a restarted process answers again within a few scrapes).
    Optional<ClusterState.Entry> prometheus = state.entry("prometheus-0");
    if (PrometheusServer.installed("prometheus")) {
      assertThat(prometheus).as("prometheus is installed, so the cluster runs it").isPresent();
      await("every Prometheus target up").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> {
            JsonNode targets = get("http://127.0.0.1:" + prometheus.get().port() + "/api/v1/targets")
                .path("data").path("activeTargets");
            Set<String> instances = new HashSet<>();
            for (JsonNode t : targets) {
              instances.add(t.path("labels").path("instance").asText());
              assertThat(t.path("health").asText()).as(t.path("labels").toString() + " " + t.path("lastError"))
                  .isEqualTo("up");
            }
            assertThat(instances).contains("embedder-0", "embedder-1", "query-0", "query-1", "indexer-0",
                "chunker-0", "extract-0", "status-0", "ingest-0");
          });
    } else {
      System.out.println("prometheus is not installed: its targets were not checked");
    }

    // `cluster down` stops everything, the supervisor included.
    ClusterState before = ClusterState.read(DIR).orElseThrow();
    List<ProcessHandle> everything = new ArrayList<>();
    for (ClusterState.Entry e : before.processes()) {
      e.handle().ifPresent(h -> {
        everything.add(h);
        everything.addAll(h.descendants().toList());
      });
    }
    everything.add(up.toHandle());
    String down = run("cluster", "down", "--data-dir", DIR.toString());
    assertThat(down).contains("ragstream cluster down");
    assertThat(up.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(everything).allSatisfy(p -> assertThat(p.isAlive()).as("pid " + p.pid()).isFalse());
    assertThat(Files.readString(upLog)).contains("ragstream cluster stopped");
    System.out.printf("ClusterIT done after %d s (store %s)%n", elapsedSeconds(began), store);
  }

  @AfterAll
  static void stopWhatIsLeft() throws Exception {
    if (up != null && up.isAlive()) {
      cli(List.of("cluster", "down", "--data-dir", DIR.toString())).inheritIO().start().waitFor(3, TimeUnit.MINUTES);
      up.destroyForcibly();
    }
    if (temporaryDir && (up == null || !up.isAlive())) {
      deleteTree(DIR);
    }
  }

  static String store() {
    String forced = System.getProperty("ragstream.cluster.store", "");
    if (!forced.isBlank()) {
      return forced;
    }
    Optional<String> why = ElasticsearchNode.unavailableReason();
    if (why.isPresent()) {
      System.out.println("ClusterIT runs on --store lucene: no Elasticsearch node can run here: " + why.get());
      return "lucene";
    }
    return "elasticsearch";
  }

  /** {@code ragstream ARGS} as its own JVM, on the launcher's packaged jar and its lib/ (what ./ragstream runs). */
  static ProcessBuilder cli(List<String> args) throws IOException {
    Path target = Path.of("target").toAbsolutePath();
    Path jar;
    try (Stream<Path> files = Files.list(target)) {
      jar = files.filter(p -> p.getFileName().toString().matches("ragstream-launcher-.*\\.jar")
          && !p.getFileName().toString().contains("tests")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no launcher jar in " + target + ": run `mvn package` first"));
    }
    JavaCommand current = JavaCommand.current();
    JavaCommand java = new JavaCommand(current.java(), current.jvmArgs(), jar + ":" + target.resolve("lib") + "/*");
    return java.builder(List.of("-Xmx512m"), ClusterUp.MAIN_CLASS, args);
  }

  /** Runs a CLI command to its end; returns its output, asserting exit 0. */
  static String run(String... args) throws Exception {
    Process process = cli(List.of(args)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as("ragstream %s:%n%s", String.join(" ", args), output).isZero();
    return output;
  }

  static int port(ClusterState state, String name) {
    return state.entry(name).orElseThrow(() -> new AssertionError("no " + name + " in the cluster")).port();
  }

  /** Uploads through the ingest API, retrying what the cluster could not take at that moment (a broker just died). */
  void upload(int port, String id, String text) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/documents?id=" + id + "&name=" + id + ".txt");
    String last = "";
    for (int attempt = 0; attempt < 30; attempt++) {
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(text)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 202) {
          return;
        }
        assertThat(response.statusCode()).as("upload of %s: %s", id, response.body()).isGreaterThanOrEqualTo(500);
        last = response.statusCode() + " " + response.body();
      } catch (IOException e) {
        last = e.toString(); // ingest-0 restarting or a broker failing over: the client retries, as a user would
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("upload of " + id + " kept failing: " + last);
  }

  /** The documents not found exactly once (as their own single result) by a keyword search for their marker. */
  List<String> missingOrDuplicated(int port) throws Exception {
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < DOCUMENTS; i++) {
      JsonNode results = search(port, "marker" + i + "q").path("results");
      if (results.size() != 1 || !results.get(0).path("docId").asText().equals("doc-" + i)) {
        wrong.add("doc-" + i + " (" + results.size() + " results)");
      }
    }
    if (!wrong.isEmpty()) {
      System.out.printf("port %d: %d not yet right, e.g. %s%n", port, wrong.size(), wrong.getFirst());
    }
    return wrong;
  }

  JsonNode search(int port, String query) throws IOException, InterruptedException {
    return get("http://127.0.0.1:" + port + "/v1/search?mode=keyword&k=10&q="
        + URLEncoder.encode(query, StandardCharsets.UTF_8));
  }

  JsonNode get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + " from " + url + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }

  static void deleteTree(Path root) throws IOException {
    if (Files.exists(root)) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  static long elapsedSeconds(long since) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }
}
