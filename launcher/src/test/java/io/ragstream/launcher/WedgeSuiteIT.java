package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13's wedge suite on the embedded stack: inputs that once stopped a stage for good, each sent straight to the
 * ingest topic (as any Kafka producer could, past the HTTP edge's limits) and each followed by a good document that
 * must be indexed. Every hostile input ends as a dead letter with its reason; no stage stops.
 *
 * <ul>
 *   <li>big extraction output: a 2.5 MB gzip that extracts to ~30 MB of text, over the record limit: {@code too_large}
 *   <li>an immense document id (40 KB: no store term can hold it): the indexer's {@code store_rejected}
 *   <li>an immense metadata value (a store rejection of one chunk): {@code store_rejected}
 *   <li>a malformed {@code file:} reference: {@code malformed_reference}, never retried
 *   <li>a FIFO under an allowed file root (opening it would block): {@code reference_refused}
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WedgeSuiteIT {
  private static final Duration PATIENCE = Duration.ofSeconds(180);
  private static final String[] CHINESE = {"河流", "账本", "信号", "港口", "石英", "草地", "向量", "内核", "灯笼", "轨道"};

  /** The one root `file:` references may read from; the stack is started with it, so it exists before the class. */
  private static final Path ROOTS = newRoots();

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension()
      .withEnvironment(Map.of("RAGSTREAM_FILE_ROOTS", ROOTS.toString())).withPublisher("wedge-it");

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> good = new ArrayList<>();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;

  @BeforeAll
  void useStack() {
    stack = STACK.stack();
    publisher = STACK.publisher();
  }

  @AfterAll
  static void removeRoots() throws IOException {
    try (var paths = Files.walk(ROOTS)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static Path newRoots() {
    try {
      return Files.createTempDirectory("wedge-it-roots");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void everyWedgeInputIsDeadLetteredWithItsReasonAndTheDocumentAfterItIsIndexed() throws Exception {
    Path fifo = ROOTS.resolve("pipe");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assumeThat(mkfifo.exitValue()).as("mkfifo available").isZero();
    Path allowed = Files.writeString(ROOTS.resolve("allowed.txt"), "A file under the allowed root about herons.");

    publishRaw(upsert("wedge-big-output").setContentType("application/gzip").setSourceName("big.txt.gz")
        .setContent(ByteBuffer.wrap(inflatingGzip(24 * 1024 * 1024))).build());
    publishGood("after-big-output");
    String immenseId = "i".repeat(40_000);
    publishRaw(upsert(immenseId).setContentType("text/plain").setSourceName("immense-id.txt")
        .setContent(text("A document whose id no store can hold.")).build());
    publishGood("after-immense-id");
    publishRaw(upsert("wedge-immense-meta").setContentType("text/plain").setSourceName("immense-meta.txt")
        .setContent(text("A document with a metadata value no store can hold.")).setMetadata(
            Map.of("team", "m".repeat(40_000))).build());
    publishGood("after-immense-meta");
    publishRaw(upsert("wedge-malformed-ref").setReference("file:relative/path").build());
    publishGood("after-malformed-ref");
    publishRaw(upsert("wedge-fifo").setReference(fifo.toUri().toString()).build());
    publishGood("after-fifo");
    publishRaw(upsert("wedge-allowed-file").setReference(allowed.toUri().toString()).build());
    good.add("wedge-allowed-file");

    for (String docId : good) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(indexedChunks(docId)).as(docId).isPositive());
    }
    Map<String, ConsumerRecord<byte[], byte[]>> extract = StackReads.deadLetters(stack.kafkaSettings(), Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX), 3, PATIENCE);
    assertReason(extract.get("wedge-big-output"), "wedge-big-output", "too_large");
    assertReason(extract.get("wedge-malformed-ref"), "wedge-malformed-ref", "malformed_reference");
    assertReason(extract.get("wedge-fifo"), "wedge-fifo", "reference_refused");

    // the indexer's letters are keyed by chunk id; the document travels in a header
    Map<String, ConsumerRecord<byte[], byte[]>> indexer = new java.util.HashMap<>();
    await().atMost(PATIENCE).untilAsserted(() -> {
      StackReads.deadLetters(stack.kafkaSettings(), Topics.DLQ_INDEXER.name(Topics.DEFAULT_PREFIX), 2, PATIENCE).values().forEach(r -> {
        String docId = DeadLetters.header(r.headers(), ErrorHeaders.DOC_ID);
        indexer.put(docId == null ? "(no docId header)" : docId, r);
      });
      assertThat(indexer).containsKeys(immenseId, "wedge-immense-meta");
    });
    for (String docId : List.of(immenseId, "wedge-immense-meta")) {
      assertReason(indexer.get(docId), docId.substring(0, Math.min(20, docId.length())), "store_rejected");
      assertThat(DeadLetters.header(indexer.get(docId).headers(), ErrorHeaders.EXCEPTION_MESSAGE))
          .contains("immense term");
    }
    assertThat(indexedChunks("wedge-immense-meta")).isZero();
    assertThat(stack.isReady()).as("every stage survived the suite").isTrue();
  }

  private static IngestRequest.Builder upsert(String docId) {
    return IngestRequest.newBuilder().setDocId(docId).setTenant("default").setOperation(Operation.UPSERT)
        .setIngestedAt(Instant.now()).setMetadata(Map.of());
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertReason(ConsumerRecord<byte[], byte[]> letter, String what, String reason) {
    assertThat(letter).as("dead letter of %s", what).isNotNull();
    assertThat(DeadLetters.header(letter.headers(), ErrorHeaders.REASON)).as(what).isEqualTo(reason);
  }

  private void publishGood(String docId) {
    publisher.publish(docId, "default", "text/plain", docId + ".txt",
        ("A good document named " + docId + " about kayaks and alpine lakes.").getBytes(StandardCharsets.UTF_8),
        Map.of());
    good.add(docId);
  }

  private void publishRaw(IngestRequest request) throws Exception {
    String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
    byte[] value = Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(topic, request);
    try (var producer = new CheckedProducer<byte[], byte[]>(
        new KafkaProducer<>(stack.kafkaSettings().producer("wedge-it-raw")), Duration.ofSeconds(30))) {
      producer.send(new ProducerRecord<>(topic, request.getDocId().getBytes(StandardCharsets.UTF_8), value));
    }
  }

  /** Lines of Chinese words drawn at random (seeded), gzipped: ~10:1, under Tika's zip-bomb ratio. */
  private static byte[] inflatingGzip(int textBytes) throws Exception {
    Random random = new Random(42);
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (BufferedWriter gzip = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(compressed),
        StandardCharsets.UTF_8))) {
      int written = 0;
      while (written < textBytes) {
        StringBuilder line = new StringBuilder();
        for (int w = 0; w < 12; w++) {
          line.append(CHINESE[random.nextInt(CHINESE.length)]).append(w == 11 ? ".\n" : " ");
        }
        gzip.write(line.toString());
        written += line.toString().getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return compressed.toByteArray();
  }

  /** Indexed chunks of a document; 0 while it is on its way or when it was dead-lettered. */
  private int indexedChunks(String docId) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/documents/" + URLEncoder.encode(docId, StandardCharsets.UTF_8))).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 200 ? HttpJson.mapper().readTree(response.body()).path("chunks").asInt() : 0;
  }
}
