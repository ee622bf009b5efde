package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * {@code ragstream replay --from documents} against a running embedded stack (real broker, Tika, Streams, ONNX,
 * Lucene, HTTP): documents keep being published and deleted while the new generation is built with another model
 * (the int8 MiniLM), queries run throughout, and after the swap the running indexer writes the new generation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayFromDocumentsIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  // the model that is not the default, so the replay changes it
  private static final String NEW_MODEL = EmbeddingModels.ALL_MINILM_L6_V2.id();
  private static final String CASTLES = "The history of medieval castles in Scotland and their stone towers.";
  private static final List<String> TOPICS = List.of("glaciers and ice sheets", "honey bees and pollination",
      "jazz improvisation", "chess openings", "tulip farming in the Netherlands", "satellite orbits",
      "sourdough bread baking", "migratory birds");
  private static final Pattern REPORT = Pattern.compile("generation g2 \\(model " + NEW_MODEL
      + ", from documents\\): (\\d+) documents, (\\d+) chunks from \\d+ records; expected (\\d+) documents,"
      + " (\\d+) chunks; served g1: (\\d+) documents, (\\d+) chunks");

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("replay-it");

  private final MeterRegistry metrics = Metrics.registry();
  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;

  @BeforeAll
  void startStack() throws Exception {
    stack = STACK.stack();
    publisher = STACK.publisher();
  }

  @Test
  @Order(1)
  void replayFromDocumentsBuildsANewModelsGenerationWhileLiveWritesContinueAndTheIndexerFollowsTheSwap()
      throws Exception {
    publish("castles", CASTLES);
    for (int i = 0; i < 8; i++) {
      publish("before-" + i, "Before document " + i + " mentions the token qvorbalt" + i + " about river otters.");
    }
    publish("deleted-early", "Deleted early: the token gribblefax about lunar tides.");
    for (int i = 0; i < 8; i++) {
      awaitTop("qvorbalt" + i, "keyword", "before-" + i);
    }
    awaitTop("gribblefax", "keyword", "deleted-early");
    publisher.delete(List.of("deleted-early"), "default");
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(search("gribblefax", "keyword")).isEmpty());

    // Queries run for the whole replay and swap; each must answer 200 with the castles document among its results.
    AtomicBoolean stop = new AtomicBoolean();
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicInteger queries = new AtomicInteger();
    List<Thread> clients = new ArrayList<>();
    for (String mode : List.of("keyword", "vector", "hybrid")) {
      clients.add(Thread.ofPlatform().start(() -> {
        while (!stop.get()) {
          try {
            List<JsonNode> results = search("medieval castles Scotland stone towers", mode, 20);
            queries.incrementAndGet();
            if (results.stream().noneMatch(r -> r.path("docId").asText().equals("castles"))) {
              failures.add(mode + ": castles missing from " + results.stream().map(r -> r.path("docId").asText())
                  .toList());
            }
            Thread.sleep(20); // steady load, not a flood that starves the pipeline on a small machine
          } catch (Exception | AssertionError e) {
            failures.add(mode + ": " + e);
          }
        }
      }));
    }
    // Live writes during the replay: new documents, and a delete of a document that existed before it started.
    publish("deleted-during", "Deleted during the replay: the token snorvath about desert winds.");
    awaitTop("snorvath", "keyword", "deleted-during");
    // The writer publishes before, during and after the replay, until the indexer has followed the swap.
    Set<String> during = ConcurrentHashMap.newKeySet();
    AtomicBoolean followed = new AtomicBoolean();
    Thread writer = Thread.ofPlatform().start(() -> {
      try {
        int after = 0;
        long until = System.nanoTime() + PATIENCE.multipliedBy(2).toNanos();
        for (int i = 0; after < 3 && System.nanoTime() < until; i++) {
          publish("during-" + i, "During document " + i + " has the token plimvort" + i + " about "
              + TOPICS.get(i % TOPICS.size()) + ".");
          during.add("during-" + i);
          if (i == 5) {
            publisher.delete(List.of("deleted-during"), "default");
          }
          if (followed.get()) {
            after++;
          }
          Thread.sleep(250);
        }
      } catch (Exception e) {
        failures.add("writer: " + e);
      }
    });
    await().atMost(PATIENCE).until(() -> during.size() >= 6); // the replay starts with writes well under way

    CommandResult replay = run("replay", "--from", "documents", "--generation", "g2", "--model", NEW_MODEL,
        "--data-dir", STACK.dataDir().toString(), "--bootstrap", stack.bootstrapServers());

    assertThat(replay.exitCode()).as(replay.output()).isZero();
    Matcher report = REPORT.matcher(replay.output());
    assertThat(report.find()).as(replay.output()).isTrue();
    long docs = Long.parseLong(report.group(1));
    long chunks = Long.parseLong(report.group(2));
    assertThat(docs).as("documents = expected").isEqualTo(Long.parseLong(report.group(3)));
    assertThat(chunks).as("chunks = expected").isEqualTo(Long.parseLong(report.group(4)));
    // castles + 8 before at least; never the one deleted before the replay started
    assertThat(docs).isGreaterThanOrEqualTo(9);
    assertThat(replay.output()).contains("swapped: now serving g2");

    // The live indexer follows the swap without a restart; the writer goes on a little longer, then stops.
    await().atMost(PATIENCE).until(() -> "g2".equals(stack.indexedGeneration()));
    followed.set(true);
    writer.join();
    assertThat(during.size()).as("documents published while the replay ran").isGreaterThan(10);
    publish("after-swap", "After the swap: the token wexlotrin about coral reefs.");
    publish("before-3", "Before document 3 was rewritten: now the token drunquist about volcanoes.");
    awaitTop("wexlotrin", "keyword", "after-swap");
    awaitTop("drunquist", "keyword", "before-3");
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(search("qvorbalt3", "keyword")).isEmpty());
    for (String id : during) {
      awaitTop(id.replace("during-", "plimvort"), "keyword", id);
    }
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(search("snorvath", "keyword")).isEmpty());
    assertThat(search("gribblefax", "keyword")).isEmpty();
    stop.set(true);
    for (Thread client : clients) {
      client.join();
    }
    assertThat(failures).as("query failures during replay and swap (%d queries)", queries.get()).isEmpty();
    assertThat(queries.get()).isGreaterThan(30);

    LuceneGenerations generations = new LuceneGenerations(STACK.dataDir().resolve("index"));
    assertThat(generations.current()).contains("g2");
    long expectedDocs = 1 + 8 + during.size() + 1; // castles, before-*, during-*, after-swap
    await().atMost(PATIENCE).untilAsserted(() -> {
      try (LuceneReadOnlySearcher g2 = LuceneStore.openReadOnly(generations.directory("g2"))) {
        assertThat(g2.documentCount()).isEqualTo(expectedDocs);
        assertThat(g2.modelId()).contains(NEW_MODEL);
        assertThat(g2.chunksOfDocument("deleted-early", "default")).isEmpty();
        assertThat(g2.chunksOfDocument("deleted-during", "default")).isEmpty();
        assertThat(g2.chunksOfDocument("after-swap", "default")).isNotEmpty();
      }
    });
    try (LuceneReadOnlySearcher g1 = LuceneStore.openReadOnly(generations.directory("g1"))) {
      assertThat(g1.chunksOfDocument("after-swap", "default")).as("written to the new generation only").isEmpty();
      assertThat(g1.modelId()).contains(EmbeddingModels.DEFAULT_ID);
    }
    assertThat(metrics.find("ragstream.indexer.chunks.reembedded").counter().count())
        .as("live embeddings re-embedded with the generation's model").isGreaterThan(0);

    // The old generation stays until dropped, and can be dropped once nothing here writes or serves it.
    assertThat(generations.list()).contains("g1", "g2");
    CommandResult drop = run("generations", "drop", "g1", "--data-dir", STACK.dataDir().toString());
    assertThat(drop.exitCode()).as(drop.output()).isZero();
    assertThat(generations.list()).containsExactly("g2");
    assertThat(search("wexlotrin", "vector")).extracting(r -> r.path("docId").asText()).contains("after-swap");
  }

  @Test
  @Order(2)
  void replayFromChunksBackToTheEmbeddersModelIsFollowedByIndexerAndQueries() throws Exception {
    CommandResult replay = run("replay", "--from", "chunks", "--generation", "g3", "--data-dir",
        STACK.dataDir().toString(), "--bootstrap", stack.bootstrapServers());

    assertThat(replay.exitCode()).as(replay.output()).isZero();
    assertThat(replay.output()).contains("swapped: now serving g3");
    await().atMost(PATIENCE).until(() -> "g3".equals(stack.indexedGeneration()));
    publish("after-g3", "After the second swap: the token quornhedge about tidal pools.");
    awaitTop("quornhedge", "keyword", "after-g3");
    awaitTop("tidal pools quornhedge after the second swap", "vector", "after-g3");
    assertThat(search("snorvath", "keyword")).isEmpty();
    LuceneGenerations generations = new LuceneGenerations(STACK.dataDir().resolve("index"));
    try (LuceneReadOnlySearcher g3 = LuceneStore.openReadOnly(generations.directory("g3"))) {
      assertThat(g3.modelId()).contains(EmbeddingModels.DEFAULT_ID);
      assertThat(g3.chunksOfDocument("after-swap", "default")).as("carried over from g2's topic state")
          .isNotEmpty();
    }
  }

  private void publish(String docId, String text) {
    publisher.publish(docId, "default", "text/plain", docId + ".txt", text.getBytes(StandardCharsets.UTF_8),
        java.util.Map.of());
  }

  private void awaitTop(String query, String mode, String docId) {
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(search(query, mode)).isNotEmpty()
        .first().satisfies(r -> assertThat(r.path("docId").asText()).isEqualTo(docId)));
  }

  private List<JsonNode> search(String query, String mode) throws Exception {
    return search(query, mode, 5);
  }

  private List<JsonNode> search(String query, String mode, int k) throws Exception {
    String path = "/v1/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=" + k + "&mode=" + mode;
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + stack.httpPort() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    List<JsonNode> results = new ArrayList<>();
    HttpJson.mapper().readTree(response.body()).path("results").forEach(results::add);
    return results;
  }

  private record CommandResult(int exitCode, String output) {}

  /** Runs a {@code ragstream} command in this JVM, capturing what it prints (stdout and stderr together). */
  private static CommandResult run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    PrintStream both = new PrintStream(out, true, StandardCharsets.UTF_8);
    System.setOut(both);
    System.setErr(both);
    int code;
    try {
      code = new CommandLine(new Ragstream()).setOut(new java.io.PrintWriter(both, true))
          .setErr(new java.io.PrintWriter(both, true))
          .setExecutionExceptionHandler((e, cmd, parsed) -> {
            e.printStackTrace(both);
            return 1;
          }).execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    String output = out.toString(StandardCharsets.UTF_8);
    stdout.print(output);
    return new CommandResult(code, output);
  }
}
