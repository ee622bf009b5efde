package io.ragstream.runtime.kafka;

import io.ragstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The one-partition "in" and "out" topics the {@link TransactionalStage} suites copy between, on a real broker. */
final class CopyTopics {
  private CopyTopics() {}

  /** Creates "in" and "out" and returns settings for the broker. */
  static KafkaSettings create(EmbeddedKafka kafka) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic("in", 1, (short) 1), new NewTopic("out", 1, (short) 1))).all().get();
    }
    return new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
  }

  /** Sends every record, each send checked (a record sent before a leader exists is otherwise lost). */
  static void send(KafkaSettings settings, List<ProducerRecord<byte[], byte[]>> records) {
    try (var producer = new CheckedProducer<>(new KafkaProducer<byte[], byte[]>(settings.producer("it")),
        Duration.ofSeconds(30))) {
      records.forEach(producer::send);
    }
  }

  /** The values committed to {@code topic}, read until {@code expected} arrived or the timeout, then one more round. */
  static List<String> readCommitted(KafkaSettings settings, String topic, int expected, Duration timeout) {
    List<String> values = new ArrayList<>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(settings.consumer("reader", "reader", 100))) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(new String(r.value(), StandardCharsets.UTF_8));
        }
      }
      // anything a late or duplicate commit would add shows up in one more round
      consumer.poll(Duration.ofSeconds(2)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
    }
    return values;
  }

  /** {@code n} records keyed k0, k1, ... with values v0, v1, ... */
  static List<ProducerRecord<byte[], byte[]>> numbered(int n) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      records.add(new ProducerRecord<>("in", bytes("k" + i), bytes("v" + i)));
    }
    return records;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
