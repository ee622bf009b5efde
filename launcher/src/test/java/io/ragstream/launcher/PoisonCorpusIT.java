package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.poi.openxml4j.opc.OPCPackage;
import org.apache.poi.poifs.crypt.EncryptionInfo;
import org.apache.poi.poifs.crypt.EncryptionMode;
import org.apache.poi.poifs.crypt.Encryptor;
import org.apache.poi.poifs.filesystem.POIFSFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken input through the whole embedded pipeline: every poison document ends in the right dead-letter
 * topic with a reason (or is extracted, where Tika can), good documents published between them stay searchable, and
 * every stage is still running afterwards. All fixtures are generated here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PoisonCorpusIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("poison-it");
  @TempDir static Path files;

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;

  @BeforeAll
  void startStack() throws Exception {
    stack = STACK.stack();
    publisher = STACK.publisher();
  }

  @Test
  void everyPoisonDocumentIsDeadLetteredWithItsReasonWhileGoodDocumentsKeepFlowing() throws Exception {
    Map<String, byte[]> poison = new java.util.LinkedHashMap<>();
    poison.put("encrypted.pdf", encryptedPdf());
    poison.put("protected.docx", passwordProtectedDocx());
    poison.put("truncated.docx", Arrays.copyOf(docx("A memo cut in half by a bad upload."), 700));
    poison.put("random.pdf", randomBytes(8192, 3));
    poison.put("empty.txt", new byte[0]);
    Map<String, String> expectedReason = Map.of("encrypted.pdf", "encrypted", "protected.docx", "encrypted",
        "truncated.docx", "corrupt", "random.pdf", "corrupt", "empty.txt", "empty", "huge.bin", "reference_refused",
        "unknown-schema", "undecodable");
    List<String> good = new ArrayList<>();
    int n = 0;
    for (var entry : poison.entrySet()) {
      publisher.publish(entry.getKey(), "default", null, entry.getKey(), entry.getValue(), Map.of());
      good.add(publishGood(n++));
    }
    publisher.publishPaths(List.of(oversizedFile()), "default", "huge.bin");
    good.add(publishGood(n++));
    publishUndecodable("unknown-schema", Topics.INGEST.name(Topics.DEFAULT_PREFIX));
    publishUndecodable("unknown-schema-doc", Topics.DOCUMENTS.name(Topics.DEFAULT_PREFIX));
    good.add(publishGood(n++));

    // a zip bomb, deeply nested HTML and invalid UTF-8 are either extracted (bounded by the limits) or dead-lettered
    Map<String, byte[]> survivable = Map.of("bomb.zip", zipBomb(), "nested.html", nestedHtml(20_000),
        "latin.txt", invalidUtf8());
    for (var entry : survivable.entrySet()) {
      publisher.publish(entry.getKey(), "default", null, entry.getKey(), entry.getValue(), Map.of());
      good.add(publishGood(n++));
    }

    Map<String, ConsumerRecord<byte[], byte[]>> extractDlq = deadLetters(Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX),
        expectedReason.keySet().size());
    expectedReason.forEach((docId, reason) -> {
      ConsumerRecord<byte[], byte[]> letter = extractDlq.get(docId);
      assertThat(letter).as("dead letter of %s", docId).isNotNull();
      assertThat(DeadLetters.header(letter.headers(), ErrorHeaders.REASON)).as(docId).isEqualTo(reason);
      assertThat(DeadLetters.header(letter.headers(), ErrorHeaders.EXCEPTION_MESSAGE)).as(docId).isNotBlank();
      assertThat(DeadLetters.header(letter.headers(), ErrorHeaders.STAGE)).isEqualTo("extract");
    });
    assertThat(deadLetters(Topics.DLQ_CHUNKER.name(Topics.DEFAULT_PREFIX), 1)).containsKey("unknown-schema-doc");

    for (String docId : good) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(indexedChunks(docId)).as(docId).isPositive());
    }
    await().atMost(PATIENCE).untilAsserted(() -> {
      Map<String, ConsumerRecord<byte[], byte[]>> dead = deadLetters(Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX),
          extractDlq.size());
      for (String docId : survivable.keySet()) {
        boolean indexed = indexedChunks(docId) > 0;
        assertThat(indexed ^ dead.containsKey(docId)).as("%s is either indexed or dead-lettered, exactly one", docId)
            .isTrue();
        System.out.printf("poison: %s → %s%n", docId, indexed ? indexedChunks(docId) + " chunks indexed"
            : "dead letter (" + DeadLetters.header(dead.get(docId).headers(), ErrorHeaders.REASON) + ")");
      }
    });
    assertThat(indexedChunks("latin.txt")).as("text that is not UTF-8 is still text").isPositive();
    assertThat(stack.isReady()).as("every stage survived the corpus").isTrue();
    assertThat(ConsumerLag.read(stack.kafkaSettings())).allSatisfy(r -> assertThat(r.lag()).isLessThan(50));
  }

  private String publishGood(int n) {
    String docId = "good-" + n;
    publisher.publish(docId, "default", "text/plain", docId + ".txt",
        ("Good document number " + n + " is about kayaks and alpine lakes.").getBytes(StandardCharsets.UTF_8),
        Map.of());
    return docId;
  }

  /** Indexed chunks of a document; 0 while it is on its way or when it was dead-lettered (both answer 200). */
  private int indexedChunks(String docId) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/documents/" + URLEncoder.encode(docId, StandardCharsets.UTF_8))).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 200 ? HttpJson.mapper().readTree(response.body()).path("chunks").asInt() : 0;
  }

  /** A value in Avro's single-object encoding, but with the fingerprint of a schema no stage knows. */
  private void publishUndecodable(String key, String topic) throws Exception {
    byte[] value = new byte[64];
    new Random(5).nextBytes(value);
    value[0] = (byte) 0xC3;
    value[1] = (byte) 0x01;
    try (var producer = new CheckedProducer<byte[], byte[]>(
        new KafkaProducer<>(stack.kafkaSettings().producer("poison-it-raw")), Duration.ofSeconds(30))) {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }
  }

  private static byte[] encryptedPdf() throws IOException {
    Path plain = Fixtures.pdf(Files.createTempFile("plain", ".pdf"), "Secret quarterly numbers");
    try (PDDocument doc = org.apache.pdfbox.Loader.loadPDF(plain.toFile())) {
      StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-pw", "user-pw", new AccessPermission());
      policy.setEncryptionKeyLength(128);
      doc.protect(policy);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      doc.save(out);
      return out.toByteArray();
    }
  }

  private static byte[] docx(String text) throws IOException {
    Path file = Fixtures.docx(Files.createTempFile("memo", ".docx"), text);
    return Files.readAllBytes(file);
  }

  /** A DOCX encrypted with a password (ECMA-376 agile encryption), as Word writes it. */
  private static byte[] passwordProtectedDocx() throws Exception {
    byte[] plain = docx("Board minutes nobody should read without the password.");
    try (POIFSFileSystem fs = new POIFSFileSystem()) {
      Encryptor encryptor = new EncryptionInfo(EncryptionMode.agile).getEncryptor();
      encryptor.confirmPassword("hunter2");
      try (OPCPackage opc = OPCPackage.open(new ByteArrayInputStream(plain));
          OutputStream os = encryptor.getDataStream(fs)) {
        opc.save(os);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      fs.writeFilesystem(out);
      return out.toByteArray();
    }
  }

  /** 200 MiB of one letter in a zip of a few hundred KiB. */
  private static byte[] zipBomb() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("bomb.txt"));
      byte[] block = new byte[1 << 20];
      Arrays.fill(block, (byte) 'a');
      for (int i = 0; i < 200; i++) {
        zip.write(block);
      }
      zip.closeEntry();
    }
    return out.toByteArray();
  }

  private static byte[] nestedHtml(int depth) {
    StringBuilder html = new StringBuilder("<html><body>");
    html.append("<div>".repeat(depth)).append("Deep inside the nesting lives a sentence.")
        .append("</div>".repeat(depth)).append("</body></html>");
    return html.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Latin-1 text: its accented letters are invalid UTF-8 sequences. */
  private static byte[] invalidUtf8() {
    return "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e recipes from a na\u00efve cook in Orl\u00e9ans, with many more words."
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** A sparse file just over the extract stage's 50 MiB limit; it travels as a file: reference. */
  private Path oversizedFile() throws IOException {
    Path file = files.resolve("huge.bin");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(50L * 1024 * 1024 + 1);
    }
    return file;
  }

  private Map<String, ConsumerRecord<byte[], byte[]>> deadLetters(String topic, int atLeast) {
    return StackReads.deadLetters(stack.kafkaSettings(), topic, atLeast, PATIENCE);
  }
}
