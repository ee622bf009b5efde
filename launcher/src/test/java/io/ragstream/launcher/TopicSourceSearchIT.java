package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.RecordMapping;
import io.ragstream.ingest.source.TopicSource;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.StageHttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's "an existing JSON topic with a mapping is indexed, and its tombstones delete", end to end on the
 * embedded stack: the topic source ({@code ragstream source topic}'s {@link TopicSource} and {@link RecordMapping})
 * reads a JSON topic on the stack's broker; each record is then found by search under its mapped docId, with its
 * mapped meta field in the results and usable as a filter; a tombstone removes its document from search while the
 * others stay. Its documents show in {@code GET /v1/documents/{docId}} as uploads do, and the source's own
 * {@code /metrics} ({@code --metrics-port}) reports what it published and its lag.
 */
class TopicSourceSearchIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final String TOPIC = "tickets";
  private static final List<String> MODES = List.of("keyword", "hybrid");

  @TempDir Path dataDir;

  @Test
  void aJsonTopicIsSearchableThroughItsMappingAndItsTombstonesDelete() throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(StackConfig.defaults(dataDir).withEphemeralPorts(),
        Metrics.registry())) {
      KafkaSettings kafka = stack.kafkaSettings();
      try (Admin admin = Admin.create(kafka.admin())) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
      }
      try (CheckedProducer<byte[], byte[]> producer = new CheckedProducer<>(
          new KafkaProducer<>(kafka.producer("topic-source-search-it")), Duration.ofSeconds(30))) {
        send(producer, "k1", "{\"id\":\"t-1\",\"title\":\"Lisbon boiler\",\"body\":\"The boiler in the Lisbon office"
            + " rattles at night.\",\"region\":\"eu\"}");
        send(producer, "k2", "{\"id\":\"t-2\",\"title\":\"Denver boiler\",\"body\":\"The boiler in the Denver office"
            + " hums loudly.\",\"region\":\"us\"}");
        send(producer, "k3", "{\"id\":\"t-3\",\"body\":\"The harbour crane needs new steel cables before winter.\","
            + "\"region\":\"eu\"}");

        var metrics = Metrics.registry(); // the registry `--metrics-port` serves, as in the command
        RecordMapping mapping = RecordMapping.parse("id=$.id,text=$.body,title=$.title,meta.region=$.region",
            RecordMapping.Format.JSON, "default", TOPIC);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        StackSearch search = new StackSearch(stack);
        try (DocumentPublisher publisher = new DocumentPublisher(kafka, "topic-source-search-it", "topic", metrics);
            TopicSource source = new TopicSource(new TopicSource.Settings(TOPIC, null, 100), mapping, kafka, kafka,
                publisher, metrics, lines::add)) {
          Thread consuming = Thread.ofPlatform().name("topic-source-search-it").start(source);
          SourceCommands.MetricsOptions serve = new SourceCommands.MetricsOptions();
          serve.port = 0;
          try (StageHttpServer server = serve.start(null, consuming)) {
            for (String mode : MODES) {
              await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(search.docIds("boiler Lisbon office rattles", mode)).as(mode).contains("t-1");
                assertThat(search.docIds("boiler Denver office hums", mode)).as(mode).contains("t-2");
                assertThat(search.docIds("harbour crane steel cables", mode)).as(mode).contains("t-3");
              });
            }
            // status as for an upload: the tracker followed the request from the ingest topic to the index
            await().atMost(PATIENCE).untilAsserted(() -> {
              JsonNode pipeline = search.document("t-2").path("pipeline");
              assertThat(pipeline.path("state").asText()).as("%s", pipeline).isEqualTo("INDEXED");
              assertThat(pipeline.path("sourceName").asText()).isEqualTo(TOPIC);
              assertThat(pipeline.path("timeToSearchableMs").asLong()).isPositive();
            });
            String scraped = search.text(server.port(), "/metrics");
            assertThat(scraped).containsPattern(
                "ragstream_source_documents_total\\{operation=\"upsert\",source=\"topic\"} 3\\.0");
            assertThat(scraped)
                .containsPattern("ragstream_source_lag_records\\{source=\"topic\",topic=\"tickets\"} 0\\.0");
            assertThat(search.text(server.port(), "/ready")).contains("READY");

            assertThat(search.texts("boiler Lisbon office rattles", "keyword", "t-1"))
                .anyMatch(t -> t.contains("rattles at night"));
            assertThat(search.metadata("boiler Lisbon office rattles", "keyword", "t-1").path("region").asText())
                .isEqualTo("eu");
            // the mapped meta field is a filter: the same query finds only the region's document
            assertThat(search.docIds("boiler office", "keyword", Map.of("region", "us")))
                .contains("t-2").doesNotContain("t-1", "t-3");
            assertThat(search.docIds("boiler office", "keyword", Map.of("region", "eu")))
                .contains("t-1").doesNotContain("t-2");

            // a tombstone keyed like a Kafka Connect / Debezium key deletes the document its id names
            producer.send(new ProducerRecord<>(TOPIC, "{\"id\":\"t-1\"}".getBytes(StandardCharsets.UTF_8), null));
            for (String mode : MODES) {
              await().atMost(PATIENCE).untilAsserted(() -> assertThat(
                  search.docIds("boiler Lisbon office rattles", mode)).as(mode).doesNotContain("t-1"));
              assertThat(search.docIds("boiler Denver office hums", mode)).as(mode).contains("t-2");
              assertThat(search.docIds("harbour crane steel cables", mode)).as(mode).contains("t-3");
            }
            assertThat(lines).contains("published t-1", "published t-2", "published t-3", "deleted t-1");
          } finally {
            source.close();
            consuming.join(30_000);
          }
        }
      }
    }
  }

  private static void send(CheckedProducer<byte[], byte[]> producer, String key, String json) {
    producer.send(new ProducerRecord<>(TOPIC, key.getBytes(StandardCharsets.UTF_8),
        json.getBytes(StandardCharsets.UTF_8)));
  }
}
