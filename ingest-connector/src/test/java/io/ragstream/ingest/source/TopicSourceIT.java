package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.lag.ConsumerLagReader;
import io.ragstream.runtime.lag.LagSnapshot;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An existing JSON topic indexed through a mapping on the in-JVM broker: its records become IngestRequests, its
 * tombstones deletes, a record that does not fit the mapping a dead letter with the mapping error; a restart of the
 * source with the same group re-publishes nothing it had already published. Its lag shows where the stages' does: its
 * group is under the topic prefix, so {@code ragstream lag}'s reader lists it, and its own gauge reads the consumer.
 */
class TopicSourceIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir Path dataDir;

  @Test
  void aJsonTopicIsIndexedAndItsTombstonesDelete() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("tickets", 2, (short) 1))).all().get();
      }
      produce(kafka, "k1", "{\"id\":\"t-1\",\"title\":\"Boiler\",\"body\":\"The boiler rattles at night.\","
          + "\"region\":\"eu\"}");
      produce(kafka, "k2", "{\"id\":\"t-2\",\"body\":\"The gate sticks in wet weather.\"}");
      produce(kafka, "k3", "{\"id\":\"t-3\",\"subject\":\"no body here\"}");
      produce(kafka, "{\"id\":\"t-2\"}", null);

      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      RecordMapping mapping = RecordMapping.parse("id=$.id,text=$.body,title=$.title,meta.region=$.region",
          RecordMapping.Format.JSON, "default", "tickets");
      List<String> lines = Collections.synchronizedList(new ArrayList<>());
      runUntil(settings, mapping, metrics, lines, () -> lines.size() >= 4);

      List<ConsumerRecord<byte[], byte[]>> ingest = readAll(kafka, Topics.INGEST.name(Topics.DEFAULT_PREFIX), 3);
      var values = settings.valueSerde(Topics.INGEST).deserializer();
      List<IngestRequest> requests = ingest.stream().map(r -> values.deserialize(r.topic(), r.value())).toList();
      assertThat(requests).extracting(IngestRequest::getDocId).containsExactly("t-1", "t-2", "t-2");
      assertThat(requests).extracting(IngestRequest::getOperation)
          .containsExactly(Operation.UPSERT, Operation.UPSERT, Operation.DELETE);
      assertThat(requests.getFirst().getMetadata()).containsEntry("region", "eu");

      List<ConsumerRecord<byte[], byte[]>> dlq = readAll(kafka, Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX), 1);
      assertThat(new String(dlq.getFirst().key(), StandardCharsets.UTF_8)).isEqualTo("k3");
      assertThat(DeadLetters.header(dlq.getFirst().headers(), ErrorHeaders.REASON)).isEqualTo("missing_text");
      assertThat(DeadLetters.header(dlq.getFirst().headers(), ErrorHeaders.EXCEPTION_MESSAGE)).contains("$['body']");
      assertThat(metrics.counter("ragstream.source.documents", "source", "topic", "operation", "upsert").count())
          .isEqualTo(2);
      assertThat(metrics.counter("ragstream.source.failures", "source", "topic").count()).isEqualTo(1);
      assertThat(metrics.get("ragstream.source.last.published.timestamp.seconds").tag("source", "topic").gauge()
          .value()).as("acknowledged once at least").isPositive();

      // a restart resumes after the committed offsets: only the new record is published
      produce(kafka, "k4", "{\"id\":\"t-4\",\"body\":\"The lift needs oil.\"}");
      // meanwhile `ragstream lag` lists the source's group beside the stages, one record behind
      assertThat(groupLag(kafka, "ragstream.source-tickets")).isEqualTo(1);
      List<String> again = Collections.synchronizedList(new ArrayList<>());
      runUntil(settings, mapping, metrics, again, () -> !again.isEmpty());
      assertThat(again).containsExactly("published t-4");
      assertThat(readAll(kafka, Topics.INGEST.name(Topics.DEFAULT_PREFIX), 4)).hasSize(4);
      assertThat(groupLag(kafka, "ragstream.source-tickets")).isZero();
    }
  }

  /**
   * {@code --format avro} with its schema registry down: a record that is not registry Avro at all is dead-lettered
   * without asking the registry, but a registry-framed record is not the record's fault — nothing of its batch is
   * dead-lettered or committed, and past its patience (zero here) the source stops with the outage as its failure.
   * Decoding through a live registry is AvroTopicSourceIT's (Docker).
   */
  @Test
  void anAvroSourceDeadLettersBadBytesButStopsRatherThanDeadLetterForARegistryOutage() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get();
      }
      produceBytes(kafka, "orders", "o-1",
          "{\"id\":\"o-1\",\"body\":\"JSON, not Avro\"}".getBytes(StandardCharsets.UTF_8));
      URI registry;
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        registry = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/apis/registry/v2");
      }
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      RecordMapping mapping = RecordMapping.parse("id=$.id,text=$.body", RecordMapping.Format.AVRO, "default",
          "orders");
      List<String> lines = Collections.synchronizedList(new ArrayList<>());
      try (DocumentPublisher publisher = new DocumentPublisher(settings, "topic-source-avro-it", "topic", metrics);
          TopicSource source = new TopicSource(new TopicSource.Settings("orders", null, 100, Duration.ZERO),
              mapping, new RegistryAvroDecoder(registry), settings, settings, publisher, metrics, lines::add)) {
        Thread thread = Thread.ofPlatform().name("topic-source-avro-it").start(source);
        await().atMost(PATIENCE).until(() -> !lines.isEmpty());
        assertThat(lines).singleElement().asString().startsWith("dead-lettered orders record:")
            .contains("not registry Avro");
        // Confluent framing, schema id 3: only the registry can say what it is
        produceBytes(kafka, "orders", "o-2", new byte[] {0, 0, 0, 0, 3, 2, 'x'});
        thread.join(PATIENCE.toMillis());
        assertThat(thread.isAlive()).as("the source stops once the registry is past its patience").isFalse();
        assertThat(source.failure()).isInstanceOf(RegistryAvroDecoder.RegistryUnavailableException.class)
            .hasMessageContaining(registry.toString());
      }
      assertThat(lines).hasSize(1);
      List<ConsumerRecord<byte[], byte[]>> dlq = readAll(kafka, Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX), 1);
      assertThat(dlq).singleElement().satisfies(r -> {
        assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("o-1");
        assertThat(DeadLetters.header(r.headers(), ErrorHeaders.REASON)).isEqualTo("undecodable");
      });
      assertThat(endOffset(kafka, Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX)))
          .as("the framed record was not dead-lettered").isEqualTo(1);
      assertThat(groupLag(kafka, "ragstream.source-orders")).as("the framed record is not committed").isEqualTo(1);
      assertThat(endOffset(kafka, Topics.INGEST.name(Topics.DEFAULT_PREFIX))).isZero();
    }
  }

  /** Records ever written to a topic (the sum of its partitions' end offsets). */
  private static long endOffset(EmbeddedKafka kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
        kafka.bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static void produceBytes(EmbeddedKafka kafka, String topic, String key, byte[] value) {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
        kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The group's lag as {@code ragstream lag} reads it (committed vs end offsets, through an Admin client). */
  private static long groupLag(EmbeddedKafka kafka, String group) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      LagSnapshot snapshot = ConsumerLagReader.read(admin, Topics.DEFAULT_PREFIX);
      assertThat(snapshot.groups()).contains(group);
      return snapshot.partitions().stream().filter(p -> p.group().equals(group))
          .mapToLong(LagSnapshot.PartitionLag::lag).sum();
    }
  }

  private static void runUntil(KafkaSettings settings, RecordMapping mapping, SimpleMeterRegistry metrics,
      List<String> lines, java.util.concurrent.Callable<Boolean> done) throws Exception {
    try (DocumentPublisher publisher = new DocumentPublisher(settings, "topic-source-it", "topic", metrics);
        TopicSource source = new TopicSource(new TopicSource.Settings("tickets", null, 100), mapping, settings,
            settings, publisher, metrics, lines::add)) {
      Thread thread = Thread.ofPlatform().name("topic-source-it").start(source);
      try {
        await().atMost(PATIENCE).until(done);
        // caught up: the consumer's own lag, as its gauge reports it, comes to 0 (-1 would mean never measured)
        await().atMost(PATIENCE).until(() -> metrics.get("ragstream.source.lag.records")
            .tags("source", "topic", "topic", "tickets").gauge().value() == 0);
        Thread.sleep(500); // the commit follows the lines; closing waits for the loop anyway
      } finally {
        source.close();
        thread.join(30_000);
      }
    }
  }

  private static void produce(EmbeddedKafka kafka, String key, String value) {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
        kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("tickets", key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every record on {@code topic} from the start, once at least {@code atLeast} arrived (AvroTopicSourceIT too). */
  static List<ConsumerRecord<byte[], byte[]>> readAll(EmbeddedKafka kafka, String topic, int atLeast) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
        kafka.bootstrapServers(), "auto.offset.reset", "earliest", "group.id", "reader-" + System.nanoTime()),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      await().atMost(PATIENCE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return records.size() >= atLeast;
      });
    }
    return records;
  }
}
