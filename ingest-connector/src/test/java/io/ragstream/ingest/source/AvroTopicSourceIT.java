package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * {@code source topic --format avro} against a real Apicurio Registry (the 2.6 line of the serde) and the in-JVM
 * broker: Debezium-shaped change events written with Apicurio's Avro serializer, keys and values, in the Confluent
 * wire format and with the ids in Apicurio's headers, become documents through {@code $.after.*} paths; a tombstone
 * with an Avro key deletes; bytes that are not registry Avro and an id the registry does not know are dead-lettered
 * with the reason. Reported as skipped where no Docker engine runs (never silently passing).
 */
@Testcontainers(disabledWithoutDocker = true)
class AvroTopicSourceIT {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String TOPIC = "shop.public.articles";

  @Container
  static final GenericContainer<?> REGISTRY = new GenericContainer<>("apicurio/apicurio-registry-mem:2.6.13.Final")
      .withExposedPorts(8080)
      .waitingFor(Wait.forHttp("/health/ready").forStatusCode(200));

  private static final Schema KEY = new Schema.Parser().parse("""
      {"type": "record", "name": "Key", "namespace": "shop.public.articles",
       "fields": [{"name": "id", "type": "long"}]}""");
  private static final Schema ENVELOPE = new Schema.Parser().parse("""
      {"type": "record", "name": "Envelope", "namespace": "shop.public.articles", "fields": [
        {"name": "before", "type": ["null", {"type": "record", "name": "Value", "fields": [
          {"name": "id", "type": "long"},
          {"name": "title", "type": ["null", "string"], "default": null},
          {"name": "body", "type": "string"},
          {"name": "updated", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}], "default": null},
        {"name": "after", "type": ["null", "Value"], "default": null},
        {"name": "op", "type": "string"}
      ]}""");
  private static final Instant UPDATED = Instant.parse("2026-12-06T13:05:00Z");

  @TempDir Path dataDir;

  private static URI registryUrl() {
    return URI.create("http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8080) + "/apis/registry/v2");
  }

  @Test
  void avroChangeEventsAreIndexedThroughTheRegistryAndTheirTombstonesDelete() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
      }
      // what Confluent's serializer, Kafka Connect's AvroConverter and Debezium write: 00 + 4-byte id + record
      Map<String, Object> confluent = new HashMap<>(SerdeSettings.registry(registryUrl()).apicurioConfig());
      // Apicurio's own default: the ids in record headers, the payload bare Avro
      Map<String, Object> headers = new HashMap<>(confluent);
      headers.put(SerdeConfig.ENABLE_HEADERS, true);
      try (AvroKafkaSerializer<GenericRecord> keys = serializer(confluent, true);
          AvroKafkaSerializer<GenericRecord> values = serializer(confluent, false);
          AvroKafkaSerializer<GenericRecord> headerKeys = serializer(headers, true);
          AvroKafkaSerializer<GenericRecord> headerValues = serializer(headers, false);
          KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
              kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
        send(producer, keys, values, 1, created(1, "Boiler", "The boiler rattles at night."));
        send(producer, keys, values, 2, created(2, null, "The gate sticks in wet weather."));
        producer.send(new ProducerRecord<>(TOPIC, bytes("junk"), bytes("{\"not\":\"avro\"}"))).get();
        // Confluent framing with a content id the registry has never issued
        producer.send(new ProducerRecord<>(TOPIC, bytes("unknown-id"), new byte[] {0, 0, 0, 0x7f, (byte) 0xff, 2}))
            .get();
        Headers ids = new RecordHeaders();
        byte[] key = headerKeys.serialize(TOPIC, ids, new GenericRecordBuilder(KEY).set("id", 4L).build());
        byte[] value = headerValues.serialize(TOPIC, ids, created(4, "Lift", "The lift needs oil."));
        producer.send(new ProducerRecord<>(TOPIC, null, key, value, ids)).get();
        // the tombstone Debezium writes after a delete: an Avro key, no value
        producer.send(new ProducerRecord<>(TOPIC, keys.serialize(TOPIC, new GenericRecordBuilder(KEY).set("id", 2L)
            .build()), null)).get();
      }

      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      RecordMapping mapping = RecordMapping.parse("id=$.after.id,text=$.after.body,title=$.after.title,"
          + "meta.op=$.op,meta.updated=$.after.updated", RecordMapping.Format.AVRO, "default", TOPIC);
      List<String> lines = Collections.synchronizedList(new ArrayList<>());
      try (DocumentPublisher publisher = new DocumentPublisher(settings, "avro-topic-source-it", "topic", metrics);
          TopicSource source = new TopicSource(new TopicSource.Settings(TOPIC, null, 100), mapping,
              new RegistryAvroDecoder(registryUrl()), settings, settings, publisher, metrics, lines::add)) {
        Thread thread = Thread.ofPlatform().name("avro-topic-source-it").start(source);
        try {
          await().atMost(PATIENCE).until(() -> lines.size() >= 6);
        } finally {
          source.close();
          thread.join(30_000);
        }
        assertThat(source.failure()).isNull();
      }

      assertThat(lines).filteredOn(l -> !l.startsWith("dead-lettered"))
          .containsExactly("published 1", "published 2", "published 4", "deleted 2");
      List<ConsumerRecord<byte[], byte[]>> ingest = TopicSourceIT.readAll(kafka, Topics.INGEST.name(Topics.DEFAULT_PREFIX), 4);
      var requests = settings.valueSerde(Topics.INGEST).deserializer();
      List<IngestRequest> published = ingest.stream().map(r -> requests.deserialize(r.topic(), r.value())).toList();
      assertThat(published).extracting(IngestRequest::getOperation)
          .containsExactly(Operation.UPSERT, Operation.UPSERT, Operation.UPSERT, Operation.DELETE);
      assertThat(published.getFirst().getMetadata()).containsEntry("op", "c")
          .containsEntry("updated", "2026-12-06T13:05:00Z");
      assertThat(StandardCharsets.UTF_8.decode(published.getFirst().getContent()).toString())
          .contains("<title>Boiler</title>", "The boiler rattles at night.");

      List<ConsumerRecord<byte[], byte[]>> dlq = TopicSourceIT.readAll(kafka, Topics.DLQ_EXTRACT.name(Topics.DEFAULT_PREFIX), 2);
      // dead letters are keyed by the record's key, so the two may sit on different partitions: no order
      assertThat(dlq).extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
          .containsExactlyInAnyOrder("junk", "unknown-id");
      assertThat(dlq).allSatisfy(r -> assertThat(DeadLetters.header(r.headers(), ErrorHeaders.REASON))
          .isEqualTo("undecodable"));
      assertThat(dlq).filteredOn(r -> new String(r.key(), StandardCharsets.UTF_8).equals("unknown-id"))
          .singleElement().satisfies(r -> assertThat(DeadLetters.header(r.headers(), ErrorHeaders.EXCEPTION_MESSAGE))
              .contains("registry has no schema"));
      assertThat(dlq).filteredOn(r -> new String(r.key(), StandardCharsets.UTF_8).equals("junk"))
          .singleElement().satisfies(r -> assertThat(DeadLetters.header(r.headers(), ErrorHeaders.EXCEPTION_MESSAGE))
              .contains("not registry Avro"));
    }
  }

  private static AvroKafkaSerializer<GenericRecord> serializer(Map<String, Object> config, boolean isKey) {
    AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>();
    serializer.configure(config, isKey);
    return serializer;
  }

  private static GenericRecord created(long id, String title, String body) {
    Schema value = ENVELOPE.getField("after").schema().getTypes().get(1);
    GenericRecord after = new GenericRecordBuilder(value).set("id", id).set("title", title).set("body", body)
        .set("updated", UPDATED.toEpochMilli()).build();
    return new GenericRecordBuilder(ENVELOPE).set("after", after).set("op", "c").build();
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, AvroKafkaSerializer<GenericRecord> keys,
      AvroKafkaSerializer<GenericRecord> values, long id, GenericRecord value) throws Exception {
    producer.send(new ProducerRecord<>(TOPIC, keys.serialize(TOPIC, new GenericRecordBuilder(KEY).set("id", id)
        .build()), values.serialize(TOPIC, value))).get();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
