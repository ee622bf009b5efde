package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentFingerprints;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Priority;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IngestRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extract stage's per-batch logic, without Kafka: what an ExtractedDocument carries to the chunker. */
class ExtractBatchProcessorTest {
  private static final String[] ENGLISH = {"ledger", "fox", "river", "audit", "signal", "harbor", "quartz", "meadow",
      "vector", "kernel", "lantern", "orbit", "cobalt", "thicket", "summit", "ember"};
  private static final String[] CHINESE = {"河流", "账本", "信号", "港口", "石英", "草地", "向量", "内核", "灯笼", "轨道",
      "钴蓝", "灌木", "山顶", "余烬", "审计", "狐狸"};


  @Test
  void blockLanguagesComeFromTheDocumentNeverFromThePublishersMetadata() {
    String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
    IngestRequest request = IngestRequest.newBuilder().setDocId("guide").setContentType("text/markdown")
        .setSourceName("guide.md").setIngestedAt(Instant.EPOCH)
        .setContent(ByteBuffer.wrap("# Guide\n\n```python\ndef f():\n    pass\n```\n\n```\nplain\n```\n"
            .getBytes(StandardCharsets.UTF_8)))
        .setMetadata(Map.of("team", "birds", "block.1.language", "rust", "block.2.language", "java")).build();
    byte[] value = Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(topic, request);

    try (TikaExtractor extractor = new TikaExtractor()) {
      List<ProducerRecord<byte[], byte[]>> out = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry()).process(List.of(new ConsumerRecord<>(topic, 0, 7L,
              "guide".getBytes(StandardCharsets.UTF_8), value)));

      ExtractedDocument doc = Topics.DOCUMENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer()
          .deserialize(out.getFirst().topic(), out.getFirst().value());
      assertThat(doc.getBlocks()).extracting(Block::getKind, Block::getLanguage).containsExactly(
          tuple(BlockKind.HEADING, null), tuple(BlockKind.CODE, "python"), tuple(BlockKind.CODE, null));
      assertThat(doc.getContentHash()).as("the hash covers the languages the blocks carry")
          .isEqualTo(DocumentFingerprints.contentHash(Extraction.hashOf(doc.getBlocks()), doc.getTitle(),
              doc.getSourceName(), doc.getMetadata()))
          .isNotEqualTo(DocumentFingerprints.contentHash(Extraction.hashOf(doc.getBlocks().stream()
              .map(b -> Block.newBuilder(b).setLanguage(null).build()).toList()), doc.getTitle(),
              doc.getSourceName(), doc.getMetadata()));
      // no stage reads block languages from metadata any more, so a publisher's keys that look like the old
      // contract are ordinary properties: kept as given, and without effect on the blocks
      assertThat(doc.getMetadata()).containsEntry("team", "birds").containsEntry("block.1.language", "rust")
          .containsEntry("block.2.language", "java");
    }
  }

  private static final String TOPIC = Topics.INGEST.name(Topics.DEFAULT_PREFIX);

  @Test
  void aLiveUploadStaysLiveAndABulkOneDoesNot() {
    try (TikaExtractor extractor = new TikaExtractor()) {
      ExtractBatchProcessor processor = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry(), FileReferences.none());
      ConsumerRecord<byte[], byte[]> live = record(0, inline("page", "a page someone waits for", Map.of()));
      Priority.markLive(live.headers());
      List<ProducerRecord<byte[], byte[]>> out = processor.process(List.of(live,
          record(1, inline("bulk", "a corpus document", Map.of()))));
      assertThat(document(out.get(0)).getDocId()).isEqualTo("page");
      assertThat(Priority.isLive(out.get(0).headers())).isTrue();
      assertThat(Priority.isLive(out.get(1).headers())).isFalse();
    }
  }

  @Test
  void theHashCoversMetadataAndTitleSoAMetadataOnlyRepublishIsAChange() {
    try (TikaExtractor extractor = new TikaExtractor()) {
      ExtractBatchProcessor processor = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry(), FileReferences.none());
      List<ProducerRecord<byte[], byte[]>> out = processor.process(List.of(
          record(0, inline("d", "same body", Map.of("team", "red"))),
          record(1, inline("d", "same body", Map.of("team", "blue"))),
          record(2, inline("d", "same body", Map.of("team", "blue")))));
      List<String> hashes = out.stream().map(r -> document(r).getContentHash()).toList();
      assertThat(hashes.get(0)).isNotEqualTo(hashes.get(1));
      assertThat(hashes.get(1)).as("identical re-publish").isEqualTo(hashes.get(2));
    }
  }

  @Test
  void hostileReferencesAreDeadLetteredWithTheirReasonAndTheNextDocumentIsExtracted(@TempDir Path root,
      @TempDir Path elsewhere) throws Exception {
    Path outside = Files.writeString(elsewhere.resolve("secret.txt"), "secret");
    Path good = Files.writeString(root.resolve("good.txt"), "A good document after hostile references.");
    Path zero = Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
    try (TikaExtractor extractor = new TikaExtractor()) {
      ExtractBatchProcessor processor = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry(), FileReferences.under(List.of(root)));
      List<ProducerRecord<byte[], byte[]>> out = processor.process(List.of(
          record(0, reference("outside", outside.toUri().toString())),
          record(1, reference("zero", zero.toUri().toString())),
          record(2, reference("devzero", "file:///dev/zero")),
          record(3, reference("malformed", "file:relative")),
          record(4, reference("garbage", "::: not a uri")),
          record(5, reference("good", good.toUri().toString()))));

      String dlq = Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX);
      assertThat(out.subList(0, 5)).allSatisfy(r -> assertThat(r.topic()).isEqualTo(dlq));
      assertThat(out.subList(0, 5)).extracting(r -> DeadLetters.header(r.headers(), ErrorHeaders.REASON))
          .containsExactly("reference_refused", "reference_refused", "reference_refused", "malformed_reference",
              "malformed_reference");
      assertThat(document(out.get(5)).getBlocks()).extracting(Block::getText)
          .containsExactly("A good document after hostile references.");
    }
  }

  @Test
  void withoutRootsAReferenceIsRefused(@TempDir Path root) throws Exception {
    Path file = Files.writeString(root.resolve("doc.txt"), "text");
    try (TikaExtractor extractor = new TikaExtractor()) {
      ProducerRecord<byte[], byte[]> out = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry(), FileReferences.none())
          .process(List.of(record(0, reference("doc", file.toUri().toString())))).getFirst();
      assertThat(DeadLetters.header(out.headers(), ErrorHeaders.REASON)).isEqualTo("reference_refused");
      assertThat(DeadLetters.header(out.headers(), ErrorHeaders.EXCEPTION_MESSAGE))
          .contains(FileReferences.ROOTS_ENV);
    }
  }

  @Test
  void outputIsKeyedByTheRequestsTenantAndDocIdWhateverTheIngestKeyAndDeletesNameTheirTenant() {
    try (TikaExtractor extractor = new TikaExtractor()) {
      ExtractBatchProcessor processor = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry(), FileReferences.none());
      IngestRequest acme = inline("report", "acme text", Map.of());
      acme.setTenant("acme");
      IngestRequest globexDelete = IngestRequest.newBuilder().setDocId("report").setTenant("globex")
          .setOperation(io.ragstream.schemas.avro.Operation.DELETE).setIngestedAt(Instant.EPOCH).build();
      List<ProducerRecord<byte[], byte[]>> out = processor.process(List.of(
          record(0, acme), // keyed by docId alone, as the previous version's publisher did
          record(1, DocumentKey.encode("globex", "report"), globexDelete),
          new ConsumerRecord<>(TOPIC, 0, 2L, DocumentKey.of("globex", "memo").bytes(), null),
          new ConsumerRecord<>(TOPIC, 0, 3L, "memo".getBytes(StandardCharsets.UTF_8), null)));
      assertThat(DocumentKey.parse(out.get(0).key())).isEqualTo(DocumentKey.of("acme", "report"));
      assertThat(document(out.get(0)).getTenant()).isEqualTo("acme");
      assertThat(out.get(1).value()).isNull();
      assertThat(DocumentKey.parse(out.get(1).key())).isEqualTo(DocumentKey.of("globex", "report"));
      assertThat(DocumentKey.fromHeaders(out.get(1).headers())).isEqualTo(DocumentKey.of("globex", "report"));
      // a raw producer's null-valued record deletes the document its key names: a bare docId is the default tenant's
      assertThat(DocumentKey.fromHeaders(out.get(2).headers())).isEqualTo(DocumentKey.of("globex", "memo"));
      assertThat(DocumentKey.fromHeaders(out.get(3).headers())).isEqualTo(DocumentKey.of("default", "memo"));
      assertThat(out.get(3).key()).isEqualTo("memo".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, String key, IngestRequest request) {
    return new ConsumerRecord<>(TOPIC, 0, offset, key.getBytes(StandardCharsets.UTF_8),
        Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(TOPIC, request));
  }

  private static IngestRequest inline(String docId, String text, Map<String, String> metadata) {
    return IngestRequest.newBuilder().setDocId(docId).setContentType("text/plain").setSourceName(docId + ".txt")
        .setIngestedAt(Instant.EPOCH).setContent(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)))
        .setMetadata(metadata).build();
  }

  private static IngestRequest reference(String docId, String reference) {
    return IngestRequest.newBuilder().setDocId(docId).setSourceName(docId + ".txt").setIngestedAt(Instant.EPOCH)
        .setReference(reference).build();
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, IngestRequest request) {
    return new ConsumerRecord<>(TOPIC, 0, offset, request.getDocId().getBytes(StandardCharsets.UTF_8),
        Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(TOPIC, request));
  }

  private static ExtractedDocument document(ProducerRecord<byte[], byte[]> out) {
    assertThat(out.topic()).isEqualTo(Topics.DOCUMENTS.name(Topics.DEFAULT_PREFIX));
    return Topics.DOCUMENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer().deserialize(out.topic(),
        out.value());
  }

  @Test
  void anExtractionOverTheRecordLimitIsDeadLetteredAsTooLargeWithTheOriginalRecord() throws Exception {
    String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
    byte[] value = gzipRequest("bomb", 2 * 1024 * 1024, ENGLISH);
    try (TikaExtractor extractor = new TikaExtractor()) {
      List<ProducerRecord<byte[], byte[]>> out = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry(), FileReferences.none(), 64 * 1024).process(List.of(new ConsumerRecord<>(
              topic, 0, 3L, "bomb".getBytes(StandardCharsets.UTF_8), value)));

      assertThat(out).hasSize(1);
      assertThat(out.getFirst().topic()).isEqualTo(Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX));
      assertThat(DeadLetters.header(out.getFirst().headers(), ErrorHeaders.REASON)).isEqualTo("too_large");
      assertThat(DeadLetters.header(out.getFirst().headers(), ErrorHeaders.EXCEPTION_MESSAGE))
          .contains("over the record limit of 65536 bytes");
      assertThat(out.getFirst().value()).as("the original request, for a redrive after a fix").isEqualTo(value);
    }
  }

  @Test
  void aSmallUploadThatInflatesToTensOfMegabytesNeverYieldsARecordTheProducerWouldRefuse() throws Exception {
    String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
    // three bytes a character: the ten million characters kept of it are about 30 MB, over the 16 MiB record limit
    byte[] value = gzipRequest("inflating", 24 * 1024 * 1024, CHINESE);
    assertThat(value.length).as("a small upload").isLessThan(4 * 1024 * 1024);
    try (TikaExtractor extractor = new TikaExtractor()) {
      List<ProducerRecord<byte[], byte[]>> out = new ExtractBatchProcessor(extractor, Topics.DEFAULT_PREFIX,
          SerdeSettings.SINGLE_OBJECT, new SimpleMeterRegistry()).process(List.of(new ConsumerRecord<>(topic, 0,
              4L, "inflating".getBytes(StandardCharsets.UTF_8), value)));

      assertThat(out).hasSize(1);
      assertThat(DeadLetters.header(out.getFirst().headers(), ErrorHeaders.REASON)).isEqualTo("too_large");
      assertThat(out.getFirst().key().length + out.getFirst().value().length)
          .isLessThanOrEqualTo(KafkaSettings.MAX_RECORD_BYTES);
    }
  }

  /**
   * An IngestRequest carrying a gzip of {@code textBytes} bytes of lines of words drawn at random (seeded): about
   * ten to one compressed, under the compression ratio Tika treats as a zip bomb.
   */
  private static byte[] gzipRequest(String docId, int textBytes, String... words) throws java.io.IOException {
    java.util.Random random = new java.util.Random(42);
    var compressed = new java.io.ByteArrayOutputStream();
    try (var gzip = new java.io.BufferedWriter(new java.io.OutputStreamWriter(
        new java.util.zip.GZIPOutputStream(compressed), StandardCharsets.UTF_8))) {
      int written = 0;
      while (written < textBytes) {
        StringBuilder line = new StringBuilder();
        for (int w = 0; w < 12; w++) {
          line.append(words[random.nextInt(words.length)]).append(w == 11 ? ".\n" : " ");
        }
        gzip.write(line.toString());
        written += line.toString().getBytes(StandardCharsets.UTF_8).length;
      }
    }
    IngestRequest request = IngestRequest.newBuilder().setDocId(docId).setContentType("application/gzip")
        .setSourceName(docId + ".txt.gz").setIngestedAt(Instant.EPOCH)
        .setContent(ByteBuffer.wrap(compressed.toByteArray())).setMetadata(Map.of()).build();
    return Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer()
        .serialize(Topics.INGEST.name(Topics.DEFAULT_PREFIX), request);
  }
}
