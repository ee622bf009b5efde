package io.ragstream.launcher.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.chunker.ChunkerApp;
import io.ragstream.embedder.EmbedderWorker;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.elastic.ElasticSettings;
import io.ragstream.ingest.ExtractStage;
import io.ragstream.launcher.cluster.GrafanaDashboards.PanelQuery;
import io.ragstream.query.StatusStage;
import io.ragstream.query.cache.CacheInvalidator;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.schemas.Topics;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The distributed topology for real, from outside: {@code ragstream cluster up} as a child process (3 KRaft brokers,
 * Elasticsearch, Redis, Prometheus when installed, every stage as its own JVM, embedder and query twice).
 *
 * <p>{@value #DOCUMENTS} short documents are uploaded in parallel through {@code ingest-0}, every tenth of them
 * published again later with a second version; while they stream in, one process of every stage kind, one broker
 * and Elasticsearch are SIGKILLed with {@code cluster kill} (the supervisor restarts each). Then, checked in
 * Elasticsearch directly and through both query replicas (each asked for its own k, so that neither answers from the
 * other's entry in their shared cache): every document exactly once with its latest version (0 lost, 0 duplicated,
 * 0 stale); an update is served by both replicas (their shared Redis cache invalidated by index
 * events); the killed processes are back; {@code ragstream lag} lists exactly the consumer groups the code names;
 * every Prometheus target is up and every Grafana panel's query returns data; {@code cluster down} leaves no process
 * behind. The last lines of the test's output say what it covered.
 *
 * <p>The store is Elasticsearch alone ({@code --store elasticsearch}); where no Elasticsearch node can run here (see
 * {@link ElasticsearchNode#unavailableReason()}) the cluster runs on Lucene, the Elasticsearch kill and direct
 * check are left out, and the test says so on stdout. {@code -Dragstream.cluster.store=...} forces one store,
 * {@code -Dragstream.cluster.documents=N} another count.
 */
class ClusterIT {
  static final int DOCUMENTS = Integer.getInteger("ragstream.cluster.documents", 2000);
  static final int SLICES = 10;
  static final int UPLOADERS = 6;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PREFIX = Topics.DEFAULT_PREFIX;
  static Path DIR = Path.of("target", "cluster-it").toAbsolutePath();
  static boolean temporaryDir;
  static Process up;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** One line per check, printed at the end: what this run covered. */
  private final List<String> covered = new ArrayList<>();
  private long began;
  /** The k each query replica is asked for (see the test). */
  private final Map<Integer, Integer> resultsWanted = new ConcurrentHashMap<>();

  @Test
  void survivesKillsOfEveryKindWithoutLosingDuplicatingOrServingStaleAndStopsCleanly() throws Exception {
    assumeTrue(io.ragstream.servers.Executables.find("redis-server").isPresent(),
        "redis-server is not installed (apt-get install redis-server): the cluster's query cache needs it");
    String store = store();
    boolean elastic = !store.equals("lucene");
    deleteTree(DIR);
    Files.createDirectories(DIR);
    if (elastic && !ElasticsearchNode.nodeUserCanWrite(DIR)) {
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
    began = System.nanoTime();
    await("cluster ready (" + upLog + ")").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1))
        .until(() -> {
          assertThat(up.isAlive()).as("cluster up exited: %s", tail(upLog)).isTrue();
          return Files.readString(upLog).contains("ragstream cluster ready: ");
        });
    covered("cluster up --store %s --replicas embedder=2,query=2 ready", store);

    ClusterState state = ClusterState.read(DIR).orElseThrow();
    List<String> expected = new ArrayList<>(List.of("kafka-0", "kafka-1", "kafka-2", "redis-0", "status-0",
        "extract-0", "chunker-0", "embedder-0", "embedder-1", "indexer-0", "query-0", "query-1", "ingest-0"));
    if (elastic) {
      expected.add("elasticsearch-0");
    }
    assertThat(state.processes()).extracting(ClusterState.Entry::name).containsAll(expected);
    String ps = run("cluster", "ps", "--data-dir", DIR.toString());
    List<String> psLines = ps.lines().filter(l -> !l.startsWith("WARNING")).toList();
    assertThat(psLines.getFirst().split("\\s+")).containsExactly("NAME", "PID", "PORT", "STATE", "RESTARTS");
    assertThat(psLines.subList(1, psLines.size())).hasSize(state.processes().size())
        .allSatisfy(line -> assertThat(line.split("\\s+")[3]).isEqualTo("running"));
    covered("cluster ps: %d processes running", state.processes().size());
    int ingest = port(state, "ingest-0");
    List<Integer> queries = List.of(port(state, "query-0"), port(state, "query-1"));
    // each replica asks for its own k: the replicas share one Redis cache, and an answer cached by one must not
    // stand in for the other's search of the store
    resultsWanted.put(queries.get(0), 10);
    resultsWanted.put(queries.get(1), 9);

    // Documents stream in (in parallel) while one process of every stage kind, a broker and Elasticsearch are killed.
    // Elasticsearch goes early (its restart takes a minute or more here, overlapping the rest of the upload), after
    // the indexer: an indexer that cannot reach Elasticsearch exits and backs off, so it could not be killed running.
    List<String> kills = new ArrayList<>(List.of("embedder-0", "indexer-0", "kafka-1", "extract-0", "chunker-0",
        "ingest-0", "status-0", "query-0"));
    if (elastic) {
      kills.add(kills.indexOf("kafka-1"), "elasticsearch-0");
    } else {
      System.out.println("store lucene: no Elasticsearch to restart");
    }
    Map<String, Integer> versions = streamDocumentsWhileKilling(ingest, kills);
    long updated = versions.values().stream().filter(v -> v == 2).count();
    covered("%d documents (%d of them published twice) uploaded in parallel while SIGKILLing %s",
        DOCUMENTS, updated, String.join(", ", kills));

    // 0 lost, 0 duplicated, 0 stale: in the store itself, then through both query replicas.
    if (elastic) {
      int es = port(state, "elasticsearch-0");
      await("every document once, latest version, in Elasticsearch").atMost(Duration.ofMinutes(8))
          .pollInterval(Duration.ofSeconds(3)).ignoreExceptions()
          .untilAsserted(() -> assertThat(wrongInElasticsearch(es, versions))
              .as("documents not held exactly once in their latest version").isEmpty());
      covered("Elasticsearch directly: all %d documents exactly once, latest version (0 lost, 0 duplicated,"
          + " 0 stale)", DOCUMENTS);
    }
    for (int query : queries) {
      Set<String> pending = new TreeSet<>(versions.keySet());
      await("every document once, latest version, on port " + query).atMost(Duration.ofMinutes(8))
          .pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
            pending.retainAll(wrongOnReplica(query, pending, versions));
            assertThat(pending).as("documents not found exactly once with their latest text").isEmpty();
          });
    }
    covered("query-0 and query-1: all %d documents found exactly once with their latest text", DOCUMENTS);

    // An update is served by both replicas, whose answers to that query are cached (Redis, shared) from the check.
    String probe = versions.keySet().stream().filter(id -> versions.get(id) == 1).findFirst().orElseThrow();
    String marker = marker(probe);
    upload(ingest, probe, "Revised: " + marker + " now talks about an updated subject.");
    await("update served by both replicas").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          for (int q : queries) {
            JsonNode results = search(q, marker).path("results");
            if (results.size() != 1 || !results.get(0).path("text").asText().contains("updated subject")) {
              return false;
            }
          }
          return true;
        });
    covered("update of %s served by both query replicas within 30 s (cached answer invalidated)", probe);

    // A delete reaches the store and both replicas (PipelineIT's acceptance list, over processes).
    String doomed = versions.keySet().stream().filter(id -> versions.get(id) == 1 && !id.equals(probe))
        .findFirst().orElseThrow();
    String doomedMarker = marker(doomed);
    HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest + "/v1/documents/" + doomed)).timeout(Duration.ofSeconds(60))
        .DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(deleted.statusCode()).as("delete of %s: %s", doomed, deleted.body()).isEqualTo(202);
    await("delete served by both replicas").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          for (int q : queries) {
            if (search(q, doomedMarker).path("results").size() != 0) {
              return false;
            }
          }
          return true;
        });
    covered("delete of %s gone from both query replicas within 30 s", doomed);

    // The killed processes are back.
    await("killed processes restarted").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
        .untilAsserted(() -> {
          ClusterState now = ClusterState.read(DIR).orElseThrow();
          for (String name : kills) {
            ClusterState.Entry e = now.entry(name).orElseThrow();
            assertThat(e.restarts()).as(name + " restarts").isGreaterThanOrEqualTo(1);
            assertThat(e.state()).as(name + " state").isEqualTo("running");
            assertThat(e.handle()).as(name + " process").isPresent();
          }
        });
    Map<String, Integer> restarts = new TreeMap<>();
    run("cluster", "ps", "--data-dir", DIR.toString()).lines().map(l -> l.split("\\s+"))
        .filter(f -> kills.contains(f[0])).forEach(f -> restarts.put(f[0], Integer.parseInt(f[4])));
    assertThat(restarts).containsOnlyKeys(kills).allSatisfy((name, n) -> assertThat(n).isGreaterThanOrEqualTo(1));
    covered("every killed process restarted by the supervisor and running again: %s", restarts);

    // `ragstream lag` lists exactly the consumer groups the stages' code names (it exits 3 when a stage has none).
    String bootstrap = Stream.of("kafka-0", "kafka-1", "kafka-2").map(n -> "127.0.0.1:" + port(state, n))
        .reduce((a, b) -> a + "," + b).orElseThrow();
    Set<String> groups = lagGroups(run("lag", "--bootstrap", bootstrap, "--interval-ms", "500"));
    Set<String> expectedGroups = new TreeSet<>(List.of(
        TransactionalStage.group(PREFIX, ExtractStage.NAME), ChunkerApp.applicationId(PREFIX),
        TransactionalStage.group(PREFIX, EmbedderWorker.STAGE), TransactionalStage.group(PREFIX, StatusStage.NAME),
        CacheInvalidator.sharedGroup(PREFIX)));
    if (elastic) {
      expectedGroups.add(IndexerWorker.group(PREFIX, store, elasticGeneration(port(state, "elasticsearch-0"))));
      assertThat(groups).isEqualTo(expectedGroups);
    } else {
      assertThat(groups).containsAll(expectedGroups).hasSize(expectedGroups.size() + 1)
          .anyMatch(g -> g.startsWith(IndexerWorker.group(PREFIX, store, "")));
    }
    covered("ragstream lag lists every consumer group: %s", groups);

    // Prometheus: every target up, every Grafana panel's query answered with data.
    Optional<ClusterState.Entry> prometheus = state.entry("prometheus-0");
    if (PrometheusServer.installed("prometheus")) {
      assertThat(prometheus).as("prometheus is installed, so the cluster runs it").isPresent();
      String url = "http://127.0.0.1:" + prometheus.get().port();
      Set<String> stages = new TreeSet<>(state.processes().stream().filter(e -> e.role().equals("stage"))
          .map(ClusterState.Entry::name).toList());
      assertThat(stages).contains("ingest-0", "query-1", "embedder-1");
      Set<String> instances = new TreeSet<>();
      await("every Prometheus target up").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
          .untilAsserted(() -> {
            instances.clear();
            for (JsonNode t : get(url + "/api/v1/targets").path("data").path("activeTargets")) {
              instances.add(t.path("labels").path("instance").asText());
              assertThat(t.path("health").asText()).as(t.path("labels") + " " + t.path("lastError"))
                  .isEqualTo("up");
            }
            assertThat(instances).containsAll(stages).contains("prometheus-0");
          });
      // Kafka brokers, Elasticsearch and Redis are not targets: they serve no Prometheus endpoint and no exporter
      // can be installed offline; the dashboard has no panel that needs them (see deploy/README.md).
      covered("Prometheus: all %d targets up (%s)", instances.size(), instances);
      List<PanelQuery> panels = GrafanaDashboards.queries(dashboardsDir());
      assertThat(panels).as("panel queries in " + dashboardsDir()).isNotEmpty();
      await("every Grafana panel's query returns data").atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(5)).untilAsserted(() -> {
            Map<PanelQuery, String> empty = new LinkedHashMap<>();
            for (PanelQuery panel : panels) {
              JsonNode result = get(url + "/api/v1/query?query="
                  + URLEncoder.encode(panel.expr(), StandardCharsets.UTF_8)).path("data").path("result");
              if (!hasFiniteSample(result)) {
                empty.put(panel, result.toString());
              }
            }
            if (!empty.isEmpty()) {
              System.out.printf("%d panel queries without data yet, e.g. %s%n", empty.size(),
                  empty.keySet().iterator().next());
            }
            assertThat(empty).as("panel queries answered without a finite sample (query -> result)").isEmpty();
          });
      covered("Grafana: all %d queries of %d panels return data from the cluster's Prometheus", panels.size(),
          panels.stream().map(p -> p.dashboard() + "/" + p.panel()).distinct().count());
    } else {
      covered("prometheus is not installed: its targets and the Grafana panels were NOT checked");
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
    covered("cluster down: none of the %d processes (and their children) left running", everything.size());
    System.out.println("ClusterIT covered:");
    covered.forEach(line -> System.out.println("  " + line));
  }

  private void covered(String format, Object... args) {
    String line = String.format("[%4d s] ", elapsedSeconds(began)) + String.format(format, args);
    covered.add(line);
    System.out.println("ClusterIT: " + line);
  }

  /**
   * Uploads {@link #DOCUMENTS} documents in {@link #SLICES} slices, each slice in parallel; every tenth document is
   * published a second time (version 2) in the slice after its first. Before each slice after the first, the next
   * process of {@code kills} is SIGKILLed once it runs. Returns each docId's latest version.
   */
  private Map<String, Integer> streamDocumentsWhileKilling(int ingest, List<String> kills) throws Exception {
    Map<String, Integer> versions = new ConcurrentHashMap<>();
    List<List<Integer>> slices = new ArrayList<>();
    for (int s = 0; s <= SLICES; s++) {
      slices.add(new ArrayList<>());
    }
    int perSlice = Math.ceilDiv(DOCUMENTS, SLICES);
    for (int i = 0; i < DOCUMENTS; i++) {
      slices.get(i / perSlice).add(i);
      if (i % 10 == 0) {
        slices.get(i / perSlice + 1).add(-i - 1); // negative: the second version of document i
      }
    }
    Iterator<String> toKill = kills.iterator();
    ExecutorService uploaders = Executors.newFixedThreadPool(UPLOADERS);
    try {
      for (int s = 0; s < slices.size(); s++) {
        if (s > 0 && toKill.hasNext()) {
          killWhenRunning(toKill.next());
        }
        List<Future<?>> uploads = new ArrayList<>();
        for (int n : slices.get(s)) {
          int i = n >= 0 ? n : -n - 1;
          int version = n >= 0 ? 1 : 2;
          uploads.add(uploaders.submit(() -> {
            upload(ingest, docId(i), "Document " + i + " version " + version + " is about " + marker(docId(i))
                + " and nothing else.");
            versions.merge(docId(i), version, Math::max);
            return null;
          }));
        }
        for (Future<?> upload : uploads) {
          upload.get();
        }
      }
      while (toKill.hasNext()) {
        killWhenRunning(toKill.next());
      }
    } finally {
      uploaders.shutdownNow();
    }
    assertThat(versions).hasSize(DOCUMENTS);
    return versions;
  }

  private void killWhenRunning(String name) throws Exception {
    await(name + " running before it is killed").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
        .until(() -> ClusterState.read(DIR).orElseThrow().entry(name)
            .filter(e -> e.state().equals("running") && e.handle().isPresent()).isPresent());
    String killed = run("cluster", "kill", name, "--data-dir", DIR.toString());
    assertThat(killed).contains("killed " + name);
    System.out.printf("[%4d s] killed %s%n", elapsedSeconds(began), name);
  }

  static String docId(int i) {
    return "doc-" + i;
  }

  /** A keyword only that document holds. */
  static String marker(String docId) {
    return "marker" + docId.substring("doc-".length()) + "q";
  }

  static boolean holdsVersion(String text, int version) {
    return text.contains(" version " + version + " ");
  }

  /**
   * The documents not held exactly once, in their latest version, by the served Elasticsearch index (read with
   * Elasticsearch's own search API, not through ragstream); also any docId that should not be there.
   */
  List<String> wrongInElasticsearch(int port, Map<String, Integer> versions) throws Exception {
    String body = JSON.writeValueAsString(Map.of("size", 10_000, "track_total_hits", true,
        "_source", List.of("docId", "text"), "query", Map.of("match_all", Map.of())));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"
        + ElasticSettings.DEFAULT_ALIAS + "/_search")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode() + " from Elasticsearch: " + response.body());
    }
    JsonNode hits = JSON.readTree(response.body()).path("hits");
    assertThat(hits.path("total").path("value").asLong()).as("chunks in the index").isLessThan(10_000);
    Map<String, List<String>> texts = new TreeMap<>();
    for (JsonNode hit : hits.path("hits")) {
      texts.computeIfAbsent(hit.path("_source").path("docId").asText(), d -> new ArrayList<>())
          .add(hit.path("_source").path("text").asText());
    }
    List<String> wrong = new ArrayList<>();
    versions.forEach((docId, version) -> {
      List<String> held = texts.getOrDefault(docId, List.of());
      if (held.size() != 1 || !holdsVersion(held.getFirst(), version)) {
        wrong.add(docId + " " + held);
      }
    });
    texts.keySet().stream().filter(d -> !versions.containsKey(d)).forEach(d -> wrong.add(d + " (unexpected)"));
    if (!wrong.isEmpty()) {
      System.out.printf("[%4d s] Elasticsearch: %d of %d documents not yet right, e.g. %s%n",
          elapsedSeconds(began), wrong.size(), versions.size(), wrong.getFirst());
    }
    return wrong;
  }

  /** Of {@code docIds}, those a keyword search on this replica does not find exactly once with the latest text. */
  Set<String> wrongOnReplica(int port, Set<String> docIds, Map<String, Integer> versions) throws Exception {
    Set<String> wrong = ConcurrentHashMap.newKeySet();
    ExecutorService searchers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> searches = new ArrayList<>();
      for (String docId : docIds) {
        searches.add(searchers.submit(() -> {
          try {
            JsonNode results = search(port, marker(docId)).path("results");
            if (results.size() != 1 || !results.get(0).path("docId").asText().equals(docId)
                || !holdsVersion(results.get(0).path("text").asText(), versions.get(docId))) {
              wrong.add(docId);
            }
          } catch (IOException e) {
            wrong.add(docId); // a replica restarting: asked again on the next round
          }
          return null;
        }));
      }
      for (Future<?> search : searches) {
        search.get();
      }
    } finally {
      searchers.shutdownNow();
    }
    if (!wrong.isEmpty()) {
      System.out.printf("[%4d s] port %d: %d documents not yet right, e.g. %s%n", elapsedSeconds(began), port,
          wrong.size(), wrong.iterator().next());
    }
    return wrong;
  }

  /** The generation the Elasticsearch alias points at (the indexer's group names it). */
  String elasticGeneration(int port) throws Exception {
    JsonNode aliases = get("http://127.0.0.1:" + port + "/_alias/" + ElasticSettings.DEFAULT_ALIAS);
    List<String> indices = new ArrayList<>();
    aliases.fieldNames().forEachRemaining(indices::add);
    assertThat(indices).as("indices behind " + ElasticSettings.DEFAULT_ALIAS).hasSize(1);
    String prefix = ElasticSettings.DEFAULT_ALIAS + "-";
    assertThat(indices.getFirst()).startsWith(prefix);
    return indices.getFirst().substring(prefix.length());
  }

  /** The group names of {@code ragstream lag}'s per-group table (the one headed GROUP LAG RECORDS/S DRAIN). */
  static Set<String> lagGroups(String output) {
    Set<String> groups = new TreeSet<>();
    boolean inTable = false;
    for (String line : output.lines().toList()) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length >= 4 && fields[0].equals("GROUP") && fields[1].equals("LAG")) {
        inTable = true;
      } else if (inTable && !line.isBlank()) {
        groups.add(fields[0]);
      } else if (inTable) {
        break;
      }
    }
    assertThat(groups).as("groups in:%n%s", output).isNotEmpty();
    return groups;
  }

  /** Whether a Prometheus instant-query result holds at least one sample with a finite value. */
  static boolean hasFiniteSample(JsonNode result) {
    for (JsonNode series : result) {
      String value = series.path("value").path(1).asText();
      try {
        if (Double.isFinite(Double.parseDouble(value))) {
          return true;
        }
      } catch (NumberFormatException e) {
        // "NaN", "+Inf": no data to show
      }
    }
    return false;
  }

  /** deploy/grafana/dashboards of this checkout (the launcher module's parent). */
  static Path dashboardsDir() {
    return Path.of("..").toAbsolutePath().normalize().resolve("deploy").resolve("grafana").resolve("dashboards");
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

  /**
   * Uploads through the ingest API, retrying what the cluster could not take at that moment (ingest-0 restarting, a
   * broker failing over), as a client would, for up to three minutes.
   */
  void upload(int port, String id, String text) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/documents?id=" + id + "&name=" + id + ".txt");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    String last = "";
    while (System.nanoTime() < deadline) {
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
        last = e.toString();
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("upload of " + id + " kept failing for 3 minutes: " + last);
  }

  JsonNode search(int port, String query) throws IOException, InterruptedException {
    return get("http://127.0.0.1:" + port + "/v1/search?mode=keyword&k=" + resultsWanted.getOrDefault(port, 10)
        + "&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
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
