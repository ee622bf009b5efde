package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topics;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline end to end on the in-JVM broker: real Kafka, Tika, Kafka Streams, ONNX Runtime, Lucene and HTTP.
 * The steps build on each other (publish → update → delete → failures → restart), so they run in order on one stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String PDF_TEXT = "The quarterly report covers volcanic eruptions in Iceland.";
  private static final String DOCX_TEXT = "The memo describes chocolate cake baking recipes.";
  private static final String HTML_TEXT = "This page explains how to train a puppy to sit.";
  private static final String MD_ALPHA = "Alpha section: the history of medieval castles in Scotland.";
  private static final String MD_BETA = "Beta section: deep sea octopus camouflage.";
  private static final String MD_BETA_NEW = "Beta section: quantum computing with superconducting qubits.";

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("pipeline-it");
  @TempDir static Path docs;

  private final MeterRegistry metrics = Metrics.registry();
  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;
  private Path pdf;
  private Path docx;
  private Path html;
  private Path markdown;

  @BeforeAll
  void startStack() throws Exception {
    stack = STACK.stack();
    publisher = STACK.publisher();
    pdf = Fixtures.pdf(docs.resolve("report.pdf"), "Quarterly report", PDF_TEXT);
    docx = Fixtures.docx(docs.resolve("memo.docx"), "Internal memo", DOCX_TEXT);
    html = Fixtures.text(docs.resolve("page.html"), "<html><head><title>Puppies</title></head><body><h1>Training</h1>"
        + "<p>" + HTML_TEXT + "</p><script>var hidden = 'script text';</script></body></html>");
    markdown = Fixtures.text(docs.resolve("notes.md"), markdown(MD_BETA));
  }

  @Test
  @Order(1)
  void eachPublishedFormatIsFoundByItsOwnPhraseInEveryMode() throws Exception {
    List<DocumentPublisher.Published> published = publisher.publishPaths(List.of(docs), "default", null);
    assertThat(published).extracting(DocumentPublisher.Published::docId).containsExactlyInAnyOrder(
        id(pdf), id(docx), id(html), id(markdown));

    for (var expected : Map.of(PDF_TEXT, pdf, DOCX_TEXT, docx, HTML_TEXT, html, MD_ALPHA, markdown,
        MD_BETA, markdown).entrySet()) {
      for (String mode : List.of("keyword", "vector", "hybrid")) {
        await().atMost(PATIENCE).untilAsserted(() ->
            assertThat(topDocId(expected.getKey(), mode)).as("%s in %s mode", expected.getKey(), mode)
                .isEqualTo(id(expected.getValue())));
      }
    }
    JsonNode status = get("/v1/documents/" + URLEncoder.encode(id(markdown), StandardCharsets.UTF_8));
    assertThat(status.path("chunks").asInt()).isEqualTo(2);
  }

  @Test
  @Order(2)
  void updatingOneSectionReplacesItsTextAndReembedsOnlyThatChunk() throws Exception {
    double embeddedBefore = embeddedChunks();
    Files.writeString(markdown, markdown(MD_BETA_NEW));

    publisher.publishPaths(List.of(markdown), "default", null);

    for (String mode : List.of("keyword", "vector", "hybrid")) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(topDocId(MD_BETA_NEW, mode)).isEqualTo(id(markdown)));
    }
    await().atMost(PATIENCE).untilAsserted(() -> {
      for (String mode : List.of("keyword", "vector", "hybrid")) {
        assertThat(search("octopus camouflage", mode)).as(mode)
            .noneSatisfy(r -> assertThat(r.path("text").asText()).contains("octopus"));
      }
    });
    assertThat(topDocId(MD_ALPHA, "keyword")).isEqualTo(id(markdown));
    assertThat(embeddedChunks() - embeddedBefore).as("chunks embedded for a one-section edit").isEqualTo(1.0);
  }

  @Test
  @Order(3)
  void aDeletedDocumentIsGoneFromEveryMode() throws Exception {
    publisher.delete(List.of(id(html)), "default");

    await().atMost(PATIENCE).untilAsserted(() -> {
      for (String mode : List.of("keyword", "vector", "hybrid")) {
        assertThat(search(HTML_TEXT, mode)).as(mode).noneSatisfy(
            r -> assertThat(r.path("docId").asText()).isEqualTo(id(html)));
      }
    });
    assertThat(request("GET", "/v1/documents/" + URLEncoder.encode(id(html), StandardCharsets.UTF_8), null).statusCode()).isEqualTo(404);
  }

  @Test
  @Order(4)
  void aCorruptFileGoesToTheDeadLetterTopicAndLaterDocumentsStillFlow() throws Exception {
    byte[] garbage = new byte[4096];
    new Random(7).nextBytes(garbage);
    Path broken = Files.write(docs.resolve("broken.pdf"), garbage);
    Path after = Fixtures.text(docs.resolve("after.txt"), "Zebras migrate across the Serengeti plains every year.");

    publisher.publishPaths(List.of(broken), "default", null);
    publisher.publishPaths(List.of(after), "default", null);

    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter(Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX), id(broken));
    assertThat(DeadLetters.header(dead.headers(), ErrorHeaders.REASON)).isEqualTo("corrupt");
    assertThat(DeadLetters.header(dead.headers(), ErrorHeaders.EXCEPTION_MESSAGE)).isNotBlank();
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(topDocId("zebras migrate Serengeti", "hybrid")).isEqualTo(id(after)));
  }

  @Test
  @Order(5)
  void anUndecodableDocumentRecordGoesToTheChunkersDeadLetterTopic() throws Exception {
    try (var producer = new CheckedProducer<byte[], byte[]>(
        new KafkaProducer<>(stack.kafkaSettings().producer("pipeline-it-poison")), Duration.ofSeconds(30))) {
      producer.send(new ProducerRecord<>(Topics.DOCUMENTS.name(Topics.DEFAULT_PREFIX),
          "poison-doc".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3, 4}));
    }

    ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter(Topics.DLQ_CHUNKER.name(Topics.DEFAULT_PREFIX), "poison-doc");
    assertThat(dead.value()).containsExactly(1, 2, 3, 4);
    assertThat(DeadLetters.header(dead.headers(), ErrorHeaders.EXCEPTION_MESSAGE)).contains("ExtractedDocument");
  }

  @Test
  @Order(6)
  void uploadsOverHttpAreIndexedAndAnOversizedOneIs413WithNothingPublished() throws Exception {
    HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(ingestUri("/v1/documents?id=http-doc&name=a.txt"))
        .header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString("Lighthouses guide ships through foggy nights.")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(HttpJson.mapper().readTree(accepted.body()).path("docId").asText()).isEqualTo("http-doc");
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(topDocId("lighthouses foggy nights", "keyword")).isEqualTo("http-doc"));

    long before = ingestEndOffsets();
    byte[] oversized = new byte[(int) StackConfig.DEFAULT_MAX_UPLOAD_BYTES + 1];
    HttpResponse<String> refused = http.send(HttpRequest.newBuilder(ingestUri("/v1/documents?id=too-big"))
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofByteArray(oversized)).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(HttpJson.mapper().readTree(refused.body()).path("error").asText()).isNotBlank();
    assertThat(ingestEndOffsets()).isEqualTo(before);
  }

  @Test
  @Order(7)
  void aRestartOnTheSameDataDirKeepsTheIndexAndReprocessesNothing() throws Exception {
    awaitNoLag();
    double extracted = counter("ragstream.stage.records.in", "stage", "extract");
    double embedded = counter("ragstream.stage.records.in", "stage", "embedder");
    double indexed = counter("ragstream.indexer.chunks", "op", "upsert");
    publisher = null;
    stack = STACK.restart();

    assertThat(topDocId(PDF_TEXT, "keyword")).isEqualTo(id(pdf)); // the index is intact right away
    assertThat(topDocId(MD_BETA_NEW, "hybrid")).isEqualTo(id(markdown));
    awaitNoLag();
    Thread.sleep(3000); // give a stage that would wrongly re-read its input time to do so
    assertThat(counter("ragstream.stage.records.in", "stage", "extract")).isEqualTo(extracted);
    assertThat(counter("ragstream.stage.records.in", "stage", "embedder")).isEqualTo(embedded);
    assertThat(counter("ragstream.indexer.chunks", "op", "upsert")).isEqualTo(indexed);
  }

  private static String markdown(String beta) {
    return "# Notes\n\n## Alpha\n\n" + MD_ALPHA + "\n\n## Beta\n\n" + beta + "\n";
  }

  private static String id(Path file) {
    return file.toAbsolutePath().normalize().toString();
  }

  private double embeddedChunks() {
    return counter("ragstream.embedder.chunks.embedded", "model", EmbeddingModels.DEFAULT_ID);
  }

  private double counter(String name, String tag, String value) {
    var counter = metrics.find(name).tag(tag, value).counter();
    return counter == null ? 0 : counter.count();
  }

  private void awaitNoLag() {
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      List<ConsumerLag.Row> rows = ConsumerLag.read(stack.kafkaSettings());
      assertThat(rows).extracting(ConsumerLag.Row::group).contains(Topics.DEFAULT_PREFIX + "extract",
          Topics.DEFAULT_PREFIX + "embedder", Topics.DEFAULT_PREFIX + "chunker");
      assertThat(rows).allSatisfy(r -> assertThat(r.lag()).as(r.toString()).isZero());
    });
  }

  private long ingestEndOffsets() throws Exception {
    try (Admin admin = Admin.create(stack.kafkaSettings().admin())) {
      String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
      Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
      for (int p = 0; p < Topics.INGEST.partitions(); p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(request).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
  }

  private ConsumerRecord<byte[], byte[]> awaitDeadLetter(String topic, String key) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        stack.kafkaSettings().consumer("pipeline-it-dlq", "pipeline-it-dlq", 100))) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
      await().atMost(PATIENCE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        return seen.stream().anyMatch(r -> key.equals(new String(r.key(), StandardCharsets.UTF_8)));
      });
      return seen.stream().filter(r -> key.equals(new String(r.key(), StandardCharsets.UTF_8))).findFirst()
          .orElseThrow();
    }
  }

  private String topDocId(String query, String mode) throws Exception {
    List<JsonNode> results = search(query, mode);
    return results.isEmpty() ? null : results.getFirst().path("docId").asText();
  }

  private List<JsonNode> search(String query, String mode) throws Exception {
    JsonNode body = get("/v1/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&k=5&mode=" + mode);
    List<JsonNode> results = new ArrayList<>();
    body.path("results").forEach(results::add);
    return results;
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response = request("GET", path, null);
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }

  private HttpResponse<String> request(String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI ingestUri(String path) {
    return URI.create("http://127.0.0.1:" + stack.ingestPort() + path);
  }
}
