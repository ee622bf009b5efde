package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.DocumentFingerprints;
import io.ragstream.schemas.ErrorHeaders;
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
          .containsExactly("reference-refused", "reference-refused", "reference-refused", "malformed-reference",
              "malformed-reference");
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
      assertThat(DeadLetters.header(out.headers(), ErrorHeaders.REASON)).isEqualTo("reference-refused");
      assertThat(DeadLetters.header(out.headers(), ErrorHeaders.EXCEPTION_MESSAGE))
          .contains(FileReferences.ROOTS_ENV);
    }
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
}
