package io.ragstream.launcher;

import static io.ragstream.launcher.StackReads.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.generation.GenerationSwitchingSearcher;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.IngestHttpServer;
import io.ragstream.query.QueryHttpServer;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchService;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.BrowserGuard;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * The security suite over HTTP, against a real embedded stack: its own ports in open mode, plus an ingest and a query
 * server with API keys on the same pipeline (as {@code stage ingest} and {@code stage query} run beside it). Every
 * hostile input is answered with a 4xx, never a 5xx, and a good document published after each one is indexed. With
 * keys for two tenants and the same docId in both, no delete, re-publish, status read, search or dead-letter command
 * of one reaches the other's document, and a record keyed the old way (docId alone) is still indexed and deletable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String KEYS = "acme-key=acme,globex-key=globex|group:eng";

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("security-it");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<String> good = new ArrayList<>();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;
  private IngestHttpServer keyedIngest;
  private QueryHttpServer keyedQuery;
  private SearchService keyedSearch;
  private AutoCloseable keyedOperations;
  private GenerationSwitchingSearcher keyedSearcher;

  @BeforeAll
  void start() throws Exception {
    StackConfig config = STACK.config();
    stack = STACK.stack();
    publisher = STACK.publisher();
    ApiKeys keys = ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, KEYS));
    keyedIngest = new IngestHttpServer(0, publisher, config.maxUploadBytes(), keys, BrowserGuard.allowing(Set.of()));
    keyedSearcher = GenerationSwitchingSearcher.open(new LuceneGenerations(STACK.dataDir().resolve("index")),
        config.generation(), Map.of(), LuceneReadOnlySearcher.DEFAULT_REFRESH_INTERVAL);
    keyedSearch = new SearchService(keyedSearcher, EmbeddingModels.load(config.modelId(), OnnxOptions.forQueries()),
        SearchConfig.defaults(), Metrics.registry());
    keyedQuery = new QueryHttpServer(0, keyedSearch, keyedSearcher, () -> true).apiKeys(keys);
    keyedOperations = io.ragstream.query.QueryStage.operations(keyedQuery, stack.kafkaSettings(), Metrics.registry());
    keyedQuery.start();
  }

  @AfterAll
  void stop() throws Exception {
    // the publisher and the stack close after this, in the extension
    for (AutoCloseable c : new AutoCloseable[] {keyedQuery, keyedOperations, keyedSearch, keyedSearcher, keyedIngest}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  @Order(1)
  void openModeRefusesCrossOriginWritesAndForeignHostNamesOnBothPorts() throws Exception {
    for (int port : new int[] {stack.ingestPort(), stack.httpPort()}) {
      String path = port == stack.ingestPort() ? "/v1/documents?id=csrf" : "/v1/search";
      HttpResponse<String> simple = send(port, "POST", path, "{\"query\": \"x\"}", "Content-Type", "text/plain",
          "Origin", "http://evil.example");
      assertThat(simple.statusCode()).as("cross-origin POST to %d", port).isEqualTo(403);
      assertThat(simple.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      // DNS rebinding: the status page and the API answer only to localhost and IP literals in open mode
      assertThat(rawStatus(port, "GET " + (port == stack.httpPort() ? "/" : "/v1/documents") + " HTTP/1.1",
          "evil.example:" + port)).isEqualTo(403);
      assertThat(rawStatus(port, "GET /health HTTP/1.1", "evil.example")).isEqualTo(200);
    }
    assertThat(rawStatus(stack.httpPort(), "GET /v1/ops/overview HTTP/1.1", "rebound.example")).isEqualTo(403);
    assertThat(rawStatus(stack.httpPort(), "GET / HTTP/1.1", "localhost:" + stack.httpPort())).isEqualTo(200);
    publishGood("after-csrf");

    HttpResponse<String> page = send(stack.httpPort(), "GET", "/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
        .contains("default-src 'none'", "script-src 'sha256-", "frame-ancestors 'none'")
        .doesNotContain("unsafe-inline"));
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
  }

  @Test
  @Order(2)
  void oversizedAndMalformedInputIsA4xxNeverA5xxAndTheNextDocumentIsIndexed() throws Exception {
    StringBuilder filters = new StringBuilder();
    for (int i = 0; i < 1100; i++) {
      filters.append("&filter.k").append(i).append("=v");
    }
    StringBuilder meta = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      meta.append("&meta.k").append(i).append("=v");
    }
    int ingest = stack.ingestPort();
    int query = stack.httpPort();
    List<Object[]> hostile = List.of(
        new Object[] {ingest, "POST", "/v1/documents?id=" + "x".repeat(600), "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=a%0AFAKE%20LOG%20LINE", "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=a%1B%5B2J", "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=m" + meta, "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=m&meta.k=" + "v".repeat(5000), "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=m&name=" + "n".repeat(5000), "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=m&tenant=", "body"},
        new Object[] {ingest, "POST", "/v1/documents?id=%FF", "body"},
        new Object[] {ingest, "DELETE", "/v1/documents/" + "x".repeat(600), null},
        new Object[] {query, "GET", "/v1/search?q=x" + filters, null},
        new Object[] {query, "GET", "/v1/search?q=x" + meta.toString().replace("meta.", "filter."), null},
        new Object[] {query, "GET", "/v1/search?q=" + "q".repeat(10_000), null},
        new Object[] {query, "GET", "/v1/search?q=x&k=100000", null},
        new Object[] {query, "GET", "/v1/search?q=x&k=-1", null},
        new Object[] {query, "GET", "/v1/documents/" + "x".repeat(600), null},
        new Object[] {query, "POST", "/v1/search", "{\"query\": \"" + "q".repeat(10_000) + "\"}"},
        new Object[] {query, "POST", "/v1/answer", "{\"query\": \"" + "q".repeat(10_000) + "\"}"});
    int n = 0;
    for (Object[] h : hostile) {
      HttpResponse<String> response = send((int) h[0], (String) h[1], (String) h[2], (String) h[3]);
      assertThat(response.statusCode()).as("%s %s: %s", h[1], h[2], response.body()).isBetween(400, 499);
      assertThat(HttpJson.mapper().readTree(response.body()).path("error").asText()).isNotBlank();
      publishGood("after-hostile-" + n++);
    }
    awaitGoodIndexed();
  }

  @Test
  @Order(3)
  void withKeysNoUnauthenticatedWriteNoCrossTenantWriteOrReadAndTheOverviewIsScoped() throws Exception {
    int ingest = keyedIngest.port();
    int query = keyedQuery.port();
    String body = "Acme's quarterly plan mentions the zeppelin project.";
    assertThat(send(ingest, "POST", "/v1/documents?id=acme-plan", body).statusCode()).isEqualTo(401);
    assertThat(send(ingest, "DELETE", "/v1/documents/acme-plan", null).statusCode()).isEqualTo(401);
    assertThat(send(ingest, "POST", "/v1/documents?id=acme-plan&tenant=acme", body, "Authorization",
        "Bearer globex-key").statusCode()).isEqualTo(403);
    assertThat(send(query, "GET", "/v1/search?q=zeppelin", null).statusCode()).isEqualTo(401);
    assertThat(send(query, "GET", "/v1/ops/overview", null).statusCode()).isEqualTo(401);
    // the status page itself needs no key: it holds no data and asks the user for one (every call it makes needs it)
    assertThat(send(query, "GET", "/", null).statusCode()).isEqualTo(200);

    HttpResponse<String> accepted = send(ingest, "POST", "/v1/documents?id=acme-plan&name=plan.txt", body,
        "Authorization", "Bearer acme-key", "Content-Type", "text/plain");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    assertThat(json(accepted).path("tenant").asText()).isEqualTo("acme");
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(json(send(query, "GET", "/v1/documents/acme-plan", null,
        "Authorization", "Bearer acme-key")).path("chunks").asInt()).isPositive());

    assertThat(send(query, "GET", "/v1/documents/acme-plan", null, "Authorization", "Bearer globex-key")
        .statusCode()).isEqualTo(404);
    assertThat(send(query, "GET", "/v1/documents/acme-plan?tenant=acme", null, "Authorization",
        "Bearer globex-key").statusCode()).isEqualTo(403);
    JsonNode globexSearch = json(send(query, "GET", "/v1/search?q=zeppelin&mode=keyword", null,
        "Authorization", "Bearer globex-key"));
    assertThat(globexSearch.path("results").size()).isZero();
    JsonNode acmeSearch = json(send(query, "GET", "/v1/search?q=zeppelin&mode=keyword", null,
        "Authorization", "Bearer acme-key"));
    assertThat(acmeSearch.path("results").get(0).path("docId").asText()).isEqualTo("acme-plan");

    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recent(query, "acme-key")).contains("acme-plan"));
    JsonNode globexOverview = json(send(query, "GET", "/v1/ops/overview", null, "Authorization", "Bearer globex-key"));
    assertThat(globexOverview.path("tenant").asText()).isEqualTo("globex");
    assertThat(recent(query, "globex-key")).doesNotContain("acme-plan").isEmpty();
    assertThat(globexOverview.toString()).doesNotContain("acme-plan", "plan.txt");
    publishGood("after-keys");
    awaitGoodIndexed();
  }

  @Test
  @Order(4)
  void aRepublishThatChangesOnlyMetadataChangesWhatTheFilterMatches() throws Exception {
    String body = "The heron nests by the lake every spring.";
    assertThat(send(stack.ingestPort(), "POST", "/v1/documents?id=heron&meta.team=red", body, "Content-Type",
        "text/plain").statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(filtered("heron", "red")).containsExactly("heron"));
    assertThat(filtered("heron", "blue")).isEmpty();

    assertThat(send(stack.ingestPort(), "POST", "/v1/documents?id=heron&meta.team=blue", body, "Content-Type",
        "text/plain").statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).untilAsserted(() -> {
      assertThat(filtered("heron", "blue")).containsExactly("heron");
      assertThat(filtered("heron", "red")).isEmpty();
    });

    // the CLI attaches metadata the same way
    Path file = java.nio.file.Files.writeString(STACK.dataDir().resolve("egret.txt"),
        "The egret fishes in the shallows.");
    run("publish", "--bootstrap", stack.bootstrapServers(), "--id", "egret", "--meta", "team=green", file.toString());
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(filtered("egret", "green")).containsExactly("egret"));
    assertThat(filtered("egret", "blue")).isEmpty();
  }

  @Test
  @Order(5)
  void hostileFileReferencesAreDeadLetteredWithTheirReasonAndTheNextDocumentIsIndexed() throws Exception {
    Map<String, String> references = Map.of("ref-passwd", "file:///etc/passwd", "ref-environ",
        "file:///proc/self/environ", "ref-zero", "file:///dev/zero", "ref-malformed", "file:relative/path",
        "ref-garbage", "::: not a uri");
    Map<String, String> expected = Map.of("ref-passwd", "reference_refused", "ref-environ", "reference_refused",
        "ref-zero", "reference_refused", "ref-malformed", "malformed_reference", "ref-garbage",
        "malformed_reference");
    for (var entry : references.entrySet()) {
      publishRaw(IngestRequest.newBuilder().setDocId(entry.getKey()).setTenant("default")
          .setOperation(Operation.UPSERT).setIngestedAt(Instant.now()).setReference(entry.getValue()).build());
      publishGood("after-" + entry.getKey());
    }
    awaitGoodIndexed();
    Map<String, ConsumerRecord<byte[], byte[]>> dlq = deadLetters();
    expected.forEach((docId, reason) -> {
      assertThat(dlq).as(docId).containsKey(docId);
      assertThat(DeadLetters.header(dlq.get(docId).headers(), ErrorHeaders.REASON)).as(docId).isEqualTo(reason);
    });
    assertThat(DeadLetters.header(dlq.get("ref-passwd").headers(), ErrorHeaders.EXCEPTION_MESSAGE))
        .doesNotContain("root:");
  }

  @Test
  @Order(6)
  void redriveSkipsARecordSupersededByADeleteAndSaysSo() throws Exception {
    publisher.publish("superseded", "default", "application/pdf", "superseded.pdf",
        "%PDF-1.7 not really a pdf".getBytes(StandardCharsets.UTF_8), Map.of());
    await().atMost(PATIENCE).until(() -> deadLetters().containsKey("superseded"));
    publisher.delete(List.of("superseded"), "default");
    long passwdDeadLetter = deadLetters().get("ref-passwd").offset();

    String out = run("dlq", "redrive", "extract", "--bootstrap", stack.bootstrapServers());
    assertThat(out).contains("skipped superseded").contains("superseded by a newer version or a delete")
        .doesNotContain("redriven superseded ");
    // a dead letter nothing superseded is re-published; once it is, its copy supersedes it in turn
    assertThat(out).contains("redriven ref-passwd -> " + Topics.INGEST.name(Topics.DEFAULT_PREFIX));
    assertThat(run("dlq", "redrive", "extract", "--offset", String.valueOf(passwdDeadLetter), "--bootstrap",
        stack.bootstrapServers())).contains("skipped ref-passwd").doesNotContain("redriven ");
  }

  @Test
  @Order(7)
  void operatorCommandsRefuseBadNamesAndEscapeControlCharacters() throws Exception {
    String hostile = "evil\u001b[2J\nFAKE";
    publishRaw(IngestRequest.newBuilder().setDocId(hostile).setTenant("default").setOperation(Operation.UPSERT)
        .setIngestedAt(Instant.now()).setReference("file:///etc/shadow").build());
    await().atMost(PATIENCE).until(() -> deadLetters().containsKey(hostile));
    String list = run("dlq", "list", "extract", "--bootstrap", stack.bootstrapServers());
    assertThat(list).contains("evil\\u001b[2J\\nFAKE").doesNotContain("\u001b").doesNotContain("\nFAKE");

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new Ragstream()).setErr(new java.io.PrintWriter(err, true));
    int code = cli.execute("generations", "drop", "../..", "--data-dir", STACK.dataDir().toString());
    assertThat(code).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("generation must be");
    assertThat(STACK.dataDir().resolve("index")).exists();
  }

  @Test
  @Order(8)
  void theSameDocIdInTwoTenantsIsTwoDocumentsNoDeleteRepublishStatusSearchOrDeadLetterCrossesOver() throws Exception {
    int ingest = keyedIngest.port();
    int query = keyedQuery.port();
    String acmeText = "Acme's shared plan is about the dirigible hangar.";
    assertThat(upload(ingest, "acme-key", "shared-plan", "acme-plan.txt", acmeText)).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> chunks(query, "acme-key", "shared-plan") > 0);
    assertThat(upload(ingest, "globex-key", "shared-plan", "globex-plan.txt", "Globex's plan counts walruses."))
        .isEqualTo(202);
    await().atMost(PATIENCE).until(() -> chunks(query, "globex-key", "shared-plan") > 0);

    // B's publish of the same docId neither replaced nor moved A's document: search and status are per tenant
    assertThat(searchIds(query, "acme-key", "dirigible")).containsExactly("shared-plan");
    assertThat(searchIds(query, "acme-key", "walruses")).isEmpty();
    assertThat(searchIds(query, "globex-key", "walruses")).containsExactly("shared-plan");
    assertThat(searchIds(query, "globex-key", "dirigible")).isEmpty();
    await().atMost(PATIENCE).untilAsserted(() -> {
      JsonNode acme = json(send(query, "GET", "/v1/documents/shared-plan", null, "Authorization", "Bearer acme-key"));
      assertThat(acme.path("pipeline").path("tenant").asText()).isEqualTo("acme");
      assertThat(acme.path("pipeline").path("sourceName").asText()).isEqualTo("acme-plan.txt");
      assertThat(acme.path("pipeline").path("state").asText()).isEqualTo("INDEXED");
    });
    HttpResponse<String> globexStatus = send(query, "GET", "/v1/documents/shared-plan", null, "Authorization",
        "Bearer globex-key");
    assertThat(globexStatus.body()).doesNotContain("acme", "dirigible");

    // B's delete removes B's document only
    assertThat(send(ingest, "DELETE", "/v1/documents/shared-plan", null, "Authorization", "Bearer globex-key")
        .statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> send(query, "GET", "/v1/documents/shared-plan", null, "Authorization",
        "Bearer globex-key").statusCode() == 404);
    assertThat(chunks(query, "acme-key", "shared-plan")).isPositive();
    assertThat(searchIds(query, "acme-key", "dirigible")).containsExactly("shared-plan");

    // B's re-publish after the delete is B's new document; A's is untouched
    assertThat(upload(ingest, "globex-key", "shared-plan", "globex-plan.txt", "Globex's plan now counts cormorants."))
        .isEqualTo(202);
    await().atMost(PATIENCE).until(() -> searchIds(query, "globex-key", "cormorants").contains("shared-plan"));
    assertThat(searchIds(query, "acme-key", "dirigible")).containsExactly("shared-plan");
    assertThat(searchIds(query, "acme-key", "cormorants")).isEmpty();

    // dead letters: A's is not "superseded" by B's later record of the same docId, and --tenant keeps to one tenant
    assertThat(upload(ingest, "acme-key", "bad-doc", "bad.pdf", "%PDF-1.7 not really a pdf", "application/pdf"))
        .isEqualTo(202);
    await().atMost(PATIENCE).until(() -> deadLetters().containsKey(DocumentKey.encode("acme", "bad-doc")));
    assertThat(upload(ingest, "globex-key", "bad-doc", "fine.txt", "Globex's fine document.")).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> chunks(query, "globex-key", "bad-doc") > 0);
    assertThat(run("dlq", "list", "extract", "--tenant", "globex", "--bootstrap", stack.bootstrapServers()))
        .doesNotContain("bad-doc").contains("0 dead letter(s)");
    assertThat(run("dlq", "list", "extract", "--tenant", "acme", "--bootstrap", stack.bootstrapServers()))
        .contains("acme/bad-doc").doesNotContain("ref-passwd");
    String redrive = run("dlq", "redrive", "extract", "--tenant", "acme", "--bootstrap", stack.bootstrapServers());
    assertThat(redrive).contains("redriven acme/bad-doc -> " + Topics.INGEST.name(Topics.DEFAULT_PREFIX))
        .doesNotContain("skipped acme/bad-doc").doesNotContain("ref-passwd").contains("1 record(s) re-published");
    assertThat(run("dlq", "redrive", "extract", "--tenant", "globex", "--bootstrap", stack.bootstrapServers()))
        .contains("0 record(s) re-published, 0 skipped");
    assertThat(chunks(query, "globex-key", "bad-doc")).isPositive();
  }

  @Test
  @Order(9)
  void aRecordKeyedTheOldWayByDocIdAloneIsIndexedForItsTenantAndDeletableWithItsKey() throws Exception {
    int query = keyedQuery.port();
    // as the previous version (and raw producers) wrote it: key = docId, the tenant only in the value
    publishRaw(IngestRequest.newBuilder().setDocId("legacy-memo").setTenant("acme").setOperation(Operation.UPSERT)
        .setIngestedAt(Instant.now()).setContentType("text/plain").setSourceName("legacy.txt")
        .setContent(java.nio.ByteBuffer.wrap("An old memo about the orchid greenhouse.".getBytes(
            StandardCharsets.UTF_8))).build());
    await().atMost(PATIENCE).until(() -> chunks(query, "acme-key", "legacy-memo") > 0);
    assertThat(searchIds(query, "acme-key", "orchid")).containsExactly("legacy-memo");
    assertThat(searchIds(query, "globex-key", "orchid")).isEmpty();
    assertThat(send(keyedIngest.port(), "DELETE", "/v1/documents/legacy-memo", null, "Authorization",
        "Bearer globex-key").statusCode()).isEqualTo(202); // globex's own (absent) legacy-memo
    assertThat(send(keyedIngest.port(), "DELETE", "/v1/documents/legacy-memo", null, "Authorization",
        "Bearer acme-key").statusCode()).isEqualTo(202);
    await().atMost(PATIENCE).until(() -> send(query, "GET", "/v1/documents/legacy-memo", null, "Authorization",
        "Bearer acme-key").statusCode() == 404);
    assertThat(searchIds(query, "acme-key", "orchid")).isEmpty();
  }

  private int upload(int port, String key, String docId, String name, String body) throws Exception {
    return upload(port, key, docId, name, body, "text/plain");
  }

  private int upload(int port, String key, String docId, String name, String body, String type) throws Exception {
    return send(port, "POST", "/v1/documents?id=" + docId + "&name=" + name, body, "Authorization", "Bearer " + key,
        "Content-Type", type).statusCode();
  }

  private int chunks(int port, String key, String docId) throws Exception {
    HttpResponse<String> response = send(port, "GET", "/v1/documents/" + docId, null, "Authorization",
        "Bearer " + key);
    return response.statusCode() == 200 ? json(response).path("chunks").asInt() : 0;
  }

  private List<String> searchIds(int port, String key, String query) throws Exception {
    JsonNode body = json(send(port, "GET", "/v1/search?mode=keyword&q=" + query, null, "Authorization",
        "Bearer " + key));
    List<String> ids = new ArrayList<>();
    body.path("results").forEach(r -> ids.add(r.path("docId").asText()));
    return ids.stream().distinct().toList();
  }

  private void publishGood(String docId) {
    publisher.publish(docId, "default", "text/plain", docId + ".txt",
        ("A good document named " + docId + " about lighthouses.").getBytes(StandardCharsets.UTF_8), Map.of());
    good.add(docId);
  }

  private void awaitGoodIndexed() {
    for (String docId : good) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(json(send(stack.httpPort(), "GET",
          "/v1/documents/" + docId, null)).path("chunks").asInt()).as(docId).isPositive());
    }
  }

  private void publishRaw(IngestRequest request) throws Exception {
    String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
    byte[] value = Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(topic, request);
    try (var producer = new CheckedProducer<byte[], byte[]>(
        new KafkaProducer<>(stack.kafkaSettings().producer("security-it-raw")), Duration.ofSeconds(30))) {
      producer.send(new ProducerRecord<>(topic, request.getDocId().getBytes(StandardCharsets.UTF_8), value));
    }
  }

  private List<String> filtered(String query, String team) throws Exception {
    JsonNode body = json(send(stack.httpPort(), "GET", "/v1/search?mode=keyword&q=" + query + "&filter.team="
        + team, null));
    List<String> ids = new ArrayList<>();
    body.path("results").forEach(r -> ids.add(r.path("docId").asText()));
    return ids.stream().distinct().toList();
  }

  private List<String> recent(int port, String key) throws Exception {
    JsonNode overview = json(send(port, "GET", "/v1/ops/overview", null, "Authorization", "Bearer " + key));
    List<String> ids = new ArrayList<>();
    overview.path("recent").forEach(r -> ids.add(r.path("docId").asText()));
    return ids;
  }

  /** The extract stage's dead letters by key, read to the topic's current end. */
  private Map<String, ConsumerRecord<byte[], byte[]>> deadLetters() {
    String topic = Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX);
    Map<String, Object> props = stack.kafkaSettings().consumer("unused", "security-it-dlq", 500);
    props.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> byKey.put(new String(r.key(), StandardCharsets.UTF_8), r));
      }
    }
    return byKey;
  }

  private HttpResponse<String> send(int port, String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (!typed && body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request written by hand, with a Host header HttpClient would not let a caller set. */
  private static int rawStatus(int port, String requestLine, String host) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(60_000);
      socket.getOutputStream().write((requestLine + "\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return HttpJson.mapper().readTree(response.body());
  }
}
