package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IngestRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

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
          .isEqualTo(Extraction.hashOf(doc.getBlocks()))
          .isNotEqualTo(Extraction.hashOf(doc.getBlocks().stream()
              .map(b -> Block.newBuilder(b).setLanguage(null).build()).toList()));
      // no stage reads block languages from metadata any more, so a publisher's keys that look like the old
      // contract are ordinary properties: kept as given, and without effect on the blocks
      assertThat(doc.getMetadata()).containsEntry("team", "birds").containsEntry("block.1.language", "rust")
          .containsEntry("block.2.language", "java");
    }
  }
}
