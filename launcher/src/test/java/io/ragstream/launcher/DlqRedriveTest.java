package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.runtime.kafka.DeadLetters;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Which dead letters {@code dlq redrive} re-publishes: only to the stage's input topic, never a superseded one. */
class DlqRedriveTest {
  private static final String INPUT = "ragstream.ingest";

  @Test
  void aDeadLetterIsSkippedWhenALaterRecordOfItsKeyFollowedItOrItNamesAnotherTopic() {
    ConsumerRecord<byte[], byte[]> fromInput = dead("doc-1", INPUT, 7);
    TopicPartition partition = new TopicPartition(INPUT, 0);

    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of())).isEmpty();
    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(partition, Map.of(key("doc-1"), 7L)))).isEmpty();
    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(partition, Map.of(key("other"), 9L)))).isEmpty();
    assertThat(DlqCommand.skipReason(fromInput, INPUT, Map.of(partition, Map.of(key("doc-1"), 9L))))
        .hasValueSatisfying(why -> assertThat(why).contains("superseded", "offset 9"));

    assertThat(DlqCommand.skipReason(dead("doc-1", "ragstream.documents", 7), INPUT, Map.of()))
        .hasValueSatisfying(why -> assertThat(why).contains("not the stage's input topic"));
    assertThat(DlqCommand.skipReason(dead("doc-1", "evil\ntopic", 7), INPUT, Map.of()))
        .hasValueSatisfying(why -> assertThat(why).contains("evil\\ntopic").doesNotContain("\n"));
  }

  @Test
  void keysArePrintedWithControlCharactersEscaped() {
    assertThat(DlqCommand.text("a\u001b[2J\nb".getBytes(StandardCharsets.UTF_8))).isEqualTo("a\\u001b[2J\\nb");
    assertThat(DlqCommand.text(null)).isEqualTo("(null)");
  }

  private static ConsumerRecord<byte[], byte[]> dead(String key, String sourceTopic, long sourceOffset) {
    ConsumerRecord<byte[], byte[]> original = new ConsumerRecord<>(sourceTopic, 0, sourceOffset,
        key.getBytes(StandardCharsets.UTF_8), new byte[] {1});
    ProducerRecord<byte[], byte[]> letter = DeadLetters.of("ragstream.dlq.extract", "extract", "corrupt", original,
        new IllegalArgumentException("bad"));
    return new ConsumerRecord<>(letter.topic(), 0, 0L, 0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
        0, 0, letter.key(), letter.value(), letter.headers(), java.util.Optional.empty());
  }

  private static ByteBuffer key(String key) {
    return ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
  }
}
