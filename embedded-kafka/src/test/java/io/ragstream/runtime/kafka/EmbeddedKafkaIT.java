package io.ragstream.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

  @TempDir Path dataDir;

  @Test
  void topicsFromTheRegistryAndRecordsSurviveARestartOnTheSameDataDir() throws Exception {
    String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        TopicDescription chunks = admin.describeTopics(List.of(Topics.CHUNKS.name(Topics.DEFAULT_PREFIX)))
            .allTopicNames().get().values().iterator().next();
        assertThat(chunks.partitions()).hasSize(Topics.CHUNKS.partitions());
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, chunks.name());
        String policy = admin.describeConfigs(List.of(resource)).all().get().get(resource)
            .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        assertThat(policy).isEqualTo("compact");
      }
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      try (var producer = new CheckedProducer<>(new KafkaProducer<byte[], byte[]>(settings.producer("it")),
          Duration.ofSeconds(30))) {
        var ack = producer.send(new ProducerRecord<>(topic, bytes("doc-1"), bytes("hello")));
        assertThat(ack.offset()).isZero();
      }
    }
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      // The topics exist already: ensureTopics must be a no-op that still waits for leaders after the restart.
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      try (var consumer = new KafkaConsumer<byte[], byte[]>(settings.consumer("it-group", "it", 100))) {
        consumer.subscribe(List.of(topic));
        List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 30_000;
        while (seen.isEmpty() && System.currentTimeMillis() < deadline) {
          consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
        assertThat(seen).hasSize(1);
        assertThat(new String(seen.getFirst().value(), StandardCharsets.UTF_8)).isEqualTo("hello");
      }
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
