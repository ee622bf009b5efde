package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which dead letters {@code dlq redrive} re-publishes: only to the stage's input topic, never a superseded one. */
class DlqRedriveTest {
  private static final String INPUT = "ragstream.ingest";
  private static final RecordIdentity IDENTITY = new RecordIdentity(Topics.DEFAULT_PREFIX, SerdeSettings.SINGLE_OBJECT);

  @Test
  void aDeadLetterIsSkippedWhenALaterRecordOfItsKeyFollowedItOrItNamesAnotherTopic() {
    ConsumerRecord<byte[], byte[]> fromInput = dead("doc-1", INPUT, 7);
    TopicPartition partition = new TopicPartition(INPUT, 0);

    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(), IDENTITY)).isEmpty();
    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(partition, Map.of("doc-1", 7L)), IDENTITY)).isEmpty();
    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(partition, Map.of("other", 9L)), IDENTITY)).isEmpty();
    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(partition, Map.of("doc-1", 9L)), IDENTITY))
        .hasValueSatisfying(why -> assertThat(why).contains("superseded", "offset 9"));

    assertThat(DlqCommand.skipReason(dead("doc-1", "ragstream.documents", 7), INPUT, Map.of(), IDENTITY))
        .hasValueSatisfying(why -> assertThat(why).contains("not the stage's input topic"));
    assertThat(DlqCommand.skipReason(dead("doc-1", "evil\ntopic", 7), INPUT, Map.of(), IDENTITY))
        .hasValueSatisfying(why -> assertThat(why).contains("evil\\ntopic").doesNotContain("\n"));
  }

  @Test
  void aDeadLetterIsSupersededOnlyByItsOwnTenantsDocumentWhateverTheKeyFormat() {
    // tenant acme's request for doc-1, keyed the new way, and an old one of acme keyed by docId alone
    ConsumerRecord<byte[], byte[]> acme = dead(DocumentKey.encode("acme", "doc-1"), request("acme", "doc-1"), INPUT, 7);
    ConsumerRecord<byte[], byte[]> legacy = dead("doc-1", request("acme", "doc-1"), INPUT, 7);
    TopicPartition partition = new TopicPartition(INPUT, 0);
    String acmeDoc = IDENTITY.of(INPUT, DocumentKey.encode("acme", "doc-1").getBytes(StandardCharsets.UTF_8),
        request("acme", "doc-1"), null);
    String globexDoc = IDENTITY.of(INPUT, DocumentKey.encode("globex", "doc-1").getBytes(StandardCharsets.UTF_8),
        request("globex", "doc-1"), null);
    assertThat(acmeDoc).isNotEqualTo(globexDoc);

    // globex publishing (or deleting) its own doc-1 later supersedes nothing of acme's
    assertThat(DlqCommand.skipReason(acme, INPUT, Map.of(partition, Map.of(globexDoc, 9L)), IDENTITY)).isEmpty();
    assertThat(DlqCommand.skipReason(legacy, INPUT, Map.of(partition, Map.of(globexDoc, 9L)), IDENTITY)).isEmpty();
    // acme's own later record does, under either key format
    assertThat(DlqCommand.skipReason(acme, INPUT, Map.of(partition, Map.of(acmeDoc, 9L)), IDENTITY)).isPresent();
    assertThat(DlqCommand.skipReason(legacy, INPUT, Map.of(partition, Map.of(acmeDoc, 9L)), IDENTITY)).isPresent();

    assertThat(IDENTITY.tenantOf(INPUT, "doc-1".getBytes(StandardCharsets.UTF_8), request("acme", "doc-1"), null))
        .isEqualTo("acme");
    assertThat(IDENTITY.tenantOf(INPUT, DocumentKey.encode("globex", "x").getBytes(StandardCharsets.UTF_8), null,
        null)).isEqualTo("globex");
    assertThat(IDENTITY.tenantOf(INPUT, "x".getBytes(StandardCharsets.UTF_8), null, null)).isEqualTo("default");
    assertThat(DlqCommand.text(DocumentKey.encode("acme", "doc-1").getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("acme/doc-1");
  }

  private static byte[] request(String tenant, String docId) {
    return Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(INPUT,
        IngestRequest.newBuilder().setDocId(docId).setTenant(tenant).setOperation(Operation.UPSERT)
            .setIngestedAt(java.time.Instant.EPOCH).build());
  }

  @Test
  void keysArePrintedWithControlCharactersEscaped() {
    assertThat(DlqCommand.text("a\u001b[2J\nb".getBytes(StandardCharsets.UTF_8))).isEqualTo("a\\u001b[2J\\nb");
    assertThat(DlqCommand.text(null)).isEqualTo("(null)");
  }

  private static ConsumerRecord<byte[], byte[]> dead(String key, String sourceTopic, long sourceOffset) {
    return dead(key, new byte[] {1}, sourceTopic, sourceOffset);
  }

  private static ConsumerRecord<byte[], byte[]> dead(String key, byte[] value, String sourceTopic, long sourceOffset) {
    ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>(sourceTopic, 0, sourceOffset,
        key.getBytes(StandardCharsets.UTF_8), value);
    ProducerRecord<byte[], byte[]> letter = DeadLetters.of("ragstream.dlq.extract", "extract", "corrupt", original,
        new IllegalArgumentException("bad"));
    return new ConsumerRecord<>(letter.topic(), 0, 0L, 0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
        0, 0, letter.key(), letter.value(), letter.headers(), java.util.Optional.empty());
  }

}
