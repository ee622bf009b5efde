package io.ragstream.launcher;

import static io.ragstream.launcher.StackReads.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operations surface on one embedded stack: document status, {@code ragstream lag}, {@code ragstream dlq}, the
 * metrics the Grafana dashboard relies on, and the status page in a real headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("operations-it");
  @TempDir static Path docs;

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;
  private String notes;
  private String broken;

  @BeforeAll
  void startStack() throws Exception {
    stack = STACK.stack();
    publisher = STACK.publisher();
    Path md = Fixtures.text(docs.resolve("ops-notes.md"), "# Lighthouse keeping\n\n## Lamps\n\n"
        + "Fresnel lenses focus the beam of a lighthouse lamp across the sea.\n\n## Logbooks\n\n"
        + "Keepers wrote the weather into the logbook every night.\n");
    byte[] garbage = new byte[2048];
    new Random(11).nextBytes(garbage);
    Path pdf = Files.write(docs.resolve("ops-broken.pdf"), garbage);
    notes = publisher.publishPaths(List.of(md), "default", null).getFirst().docId();
    broken = publisher.publishPaths(List.of(pdf), "default", null).getFirst().docId();
  }

  @Test
  @Order(1)
  void documentStatusShowsEveryStepWithChunkCountsAndTimeToSearchable() throws Exception {
    JsonNode body = await().atMost(PATIENCE).until(() -> document(notes),
        b -> b != null && "INDEXED".equals(b.path("pipeline").path("state").asText()));

    JsonNode pipeline = body.path("pipeline");
    assertThat(pipeline.path("steps").findValuesAsText("step"))
        .containsExactly("ingested", "extracted", "chunked", "embedded", "indexed");
    assertThat(pipeline.path("steps").get(2).path("chunks").asInt()).isEqualTo(2);
    assertThat(pipeline.path("steps").get(4).path("chunks").asInt()).isEqualTo(2);
    assertThat(pipeline.path("timeToSearchableMs").asLong()).isPositive();
    assertThat(body.path("chunks").asInt()).isEqualTo(2);

    String printed = run("status", "--url", baseUrl(), notes);
    assertThat(printed).contains("state     INDEXED", "chunked", "2 chunks new", "time to searchable",
        "§ Lighthouse keeping › Lamps");
  }

  @Test
  @Order(2)
  void aDeadLetteredDocumentIsFoundWithItsReasonAndCanBeListedShownAndRedriven() throws Exception {
    JsonNode failed = await().atMost(PATIENCE).until(() -> document(broken),
        b -> b != null && "FAILED".equals(b.path("pipeline").path("state").asText()));
    assertThat(failed.path("chunks").asInt()).isZero();
    assertThat(failed.path("pipeline").path("deadLetter").path("stage").asText()).isEqualTo("extract");
    assertThat(failed.path("pipeline").path("deadLetter").path("reason").asText()).isEqualTo("corrupt");
    long version = failed.path("pipeline").path("version").asLong();
    long firstDeadLetter = failed.path("pipeline").path("deadLetter").path("offset").asLong();

    assertThat(run("dlq", "list", "extract", "--bootstrap", stack.bootstrapServers()))
        .contains(broken, "corrupt", "1 dead letter(s)");
    assertThat(run("dlq", "show", "extract", "0", "--bootstrap", stack.bootstrapServers()))
        .contains("__streams.errors.topic: " + Topics.INGEST.name(Topics.DEFAULT_PREFIX), "ragstream.errors.reason");
    assertThat(run("dlq", "redrive", "extract", "--bootstrap", stack.bootstrapServers()))
        .contains("redriven " + broken + " -> " + Topics.INGEST.name(Topics.DEFAULT_PREFIX));

    // still garbage, so it fails again, as a newer version with a second dead letter
    await().atMost(PATIENCE).untilAsserted(() -> {
      JsonNode again = document(broken).path("pipeline");
      assertThat(again.path("version").asLong()).isGreaterThan(version);
      assertThat(again.path("state").asText()).isEqualTo("FAILED");
      assertThat(again.path("deadLetter").path("offset").asLong()).isGreaterThan(firstDeadLetter);
    });
  }

  @Test
  @Order(3)
  void lagListsEveryStageCaughtUpAndFailsWhenAnExpectedStageIsMissing() throws Exception {
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(ConsumerLag.read(stack.kafkaSettings()))
        .allSatisfy(r -> assertThat(r.lag()).as(r.toString()).isZero()));

    String out = run("lag", "--bootstrap", stack.bootstrapServers(), "--interval-ms", "300");
    assertThat(out).contains("ragstream.extract", "ragstream.chunker", "ragstream.embedder",
        "ragstream.indexer-lucene-g1", "ragstream.status", "caught up", "RECORDS/S");
    assertThat(exitCode("lag", "--bootstrap", stack.bootstrapServers(), "--interval-ms", "100",
        "--expect", "extract,nonexistent")).isEqualTo(3);
  }

  @Test
  @Order(4)
  void theServicesExportLagDeadLettersTimeToSearchableAndQueryLatency() throws Exception {
    get("/v1/search?q=" + enc("lighthouse lamp") + "&mode=hybrid");
    await().atMost(PATIENCE).untilAsserted(() -> {
      String scrape = get("/metrics");
      assertThat(scrape).contains("ragstream_consumer_lag{group=\"ragstream.embedder\"",
          "ragstream_dlq_records{stage=\"extract\"} 2.0", "ragstream_time_to_searchable_seconds_bucket",
          "ragstream_query_latency_seconds_bucket");
    });
  }

  @Test
  @Order(5)
  void theGrafanaDashboardReferencesOnlyMetricsTheServicesExport() throws Exception {
    JsonNode dashboard = HttpJson.mapper().readTree(Path.of("..", "deploy", "grafana", "dashboards",
        "ragstream.json").toFile());
    Set<String> referenced = new TreeSet<>();
    Matcher m = Pattern.compile("\\bragstream_[a-z0-9_]+").matcher(String.join("\n",
        dashboard.findValuesAsText("expr")));
    while (m.find()) {
      referenced.add(m.group());
    }
    Set<String> exported = new TreeSet<>();
    for (String line : get("/metrics").split("\n")) {
      Matcher name = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(line);
      if (name.find()) {
        exported.add(name.group(1));
      }
    }

    assertThat(referenced).hasSizeGreaterThan(10);
    assertThat(exported).containsAll(referenced);
  }

  @Test
  @Order(6)
  void theStatusPageShowsStagesDocumentsDeadLettersAndSearchResultsInHeadlessChromium() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
        "Chromium not installed at " + CHROMIUM + " (Debian: apt-get install chromium); status page not tested");
    String url = baseUrl() + "/?q=" + enc("fresnel lenses lighthouse lamp");

    String dom = chromium(List.of("--dump-dom", url));

    assertThat(dom).contains("data-group=\"ragstream.embedder\"", "data-stage=\"extract\"",
        "data-doc-id=\"" + notes + "\"", "class=\"state INDEXED\"", "class=\"state FAILED\"");
    assertThat(dom).contains("class=\"result\"", "Lighthouse keeping › Lamps", "Fresnel lenses");
    assertThat(dom).containsPattern("class=\"score\">0\\.\\d{4} ");
    Path shot = Path.of("target", "status-page.png").toAbsolutePath();
    Files.deleteIfExists(shot);
    chromium(List.of("--screenshot=" + shot, "--window-size=1280,1100", "--hide-scrollbars", url));
    assertThat(shot).isNotEmptyFile();
  }

  /** Runs headless Chromium on a fresh profile; virtual time lets the page's fetches finish before the dump. */
  private String chromium(List<String> args) throws Exception {
    Path profile = Files.createTempDirectory("ragstream-chromium");
    List<String> command = new java.util.ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
        "--virtual-time-budget=5000"));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(process.exitValue()).as("chromium exit code").isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private JsonNode document(String docId) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/documents/" + enc(docId)))
        .build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? HttpJson.mapper().readTree(r.body()) : null;
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  private static int exitCode(String... args) {
    return new CommandLine(new Ragstream()).execute(args);
  }

  private String baseUrl() {
    return "http://127.0.0.1:" + stack.httpPort();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
