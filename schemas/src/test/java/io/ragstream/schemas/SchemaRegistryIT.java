package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Registry mode against a real Apicurio Registry (the 2.6 line the serde belongs to), configured like the compose
 * stack: BACKWARD compatibility as the global rule. Every Avro topic's record type goes through the registry serde;
 * the bytes are checked against the Confluent wire format and the id resolved through the registry's
 * Confluent-compatible API, as a Confluent consumer would. Reported as skipped where no Docker engine runs (never
 * silently passing).
 */
@Testcontainers(disabledWithoutDocker = true)
class SchemaRegistryIT {
  private static final String PREFIX = "it.";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Container
  static final GenericContainer<?> REGISTRY = new GenericContainer<>("apicurio/apicurio-registry-mem:2.6.13.Final")
      .withEnv("REGISTRY_RULES_GLOBAL_COMPATIBILITY", "BACKWARD")
      .withExposedPorts(8080)
      .waitingFor(Wait.forHttp("/health/ready").forStatusCode(200));

  static Stream<Topic<?, ?>> avroTopics() {
    return Topics.ALL.stream().filter(Topic::avro);
  }

  private static String base() {
    return "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8080);
  }

  private static SerdeSettings settings(boolean autoRegister) {
    return new SerdeSettings(SerdeSettings.Mode.REGISTRY, URI.create(base() + "/apis/registry/v2"), autoRegister);
  }

  @ParameterizedTest
  @MethodSource("avroTopics")
  <V> void everyTopicsRecordsRoundTripInTheConfluentWireFormat(Topic<?, V> topic) throws Exception {
    String name = topic.name(PREFIX);
    String subject = topic.valueSubject(PREFIX);
    Schema current = schemaOf(topic);
    // The history files are the source of truth: an operator (or CI) registers them oldest first; each must pass
    // the registry's BACKWARD rule.
    List<Schema> history = SchemaHistory.versions(current.getName());
    for (Schema version : history) {
      assertThat(register(subject, version).statusCode()).as("register %s under %s", version.getName(), subject)
          .isEqualTo(200);
    }
    V record = randomRecord(topic, current, new Random(subject.hashCode()));

    byte[] bytes = topic.valueSerde(settings(true)).serializer().serialize(name, record);

    assertThat(bytes[0]).as("Confluent magic byte").isEqualTo((byte) 0);
    long id = RegistryAvroSerde.schemaId(bytes);
    // What a Confluent deserializer does with the 4 bytes: fetch the schema by id from the ccompat API.
    JsonNode byId = get("/apis/ccompat/v7/schemas/ids/" + id);
    Schema registered = new Schema.Parser().parse(byId.get("schema").asText());
    assertThat(SchemaNormalization.parsingFingerprint64(registered)).as("schema behind id %s", id)
        .isEqualTo(SchemaNormalization.parsingFingerprint64(current));
    // The subject is <topic>-value, and the id the writer used is its latest version.
    assertThat(get("/apis/ccompat/v7/subjects/" + subject + "/versions/latest").get("id").asLong()).isEqualTo(id);
    // A fresh reader (empty schema cache) resolves the id through the registry and gets the record back.
    try (Serde<V> reader = topic.valueSerde(settings(true))) {
      assertThat(reader.deserializer().deserialize(name, bytes)).isEqualTo(record);
    }
    // Writers that do not auto-register use the latest registered version: the same id.
    byte[] latest = topic.valueSerde(settings(false)).serializer().serialize(name, record);
    assertThat(RegistryAvroSerde.schemaId(latest)).isEqualTo(id);
  }

  @Test
  void recordsWrittenBeforeTheSwitchStayReadableThroughTheRegistrySerde() {
    Topic<String, io.ragstream.schemas.avro.Chunk> topic = Topics.CHUNKS;
    var chunk = randomRecord(topic, schemaOf(topic), new Random(7));
    byte[] old = topic.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(topic.name(PREFIX), chunk);

    assertThat(topic.valueSerde(settings(true)).deserializer().deserialize(topic.name(PREFIX), old)).isEqualTo(chunk);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRegistryRefusesASchemaThatOldReadersCannotFollow() throws Exception {
    String subject = Topics.INDEX_EVENTS.valueSubject("compat.");
    Schema current = schemaOf(Topics.INDEX_EVENTS);
    assertThat(register(subject, current).statusCode()).isEqualTo(200);
    // A new required field without a default: new readers cannot read old records, which BACKWARD forbids.
    Map<String, Object> json = JSON.readValue(current.toString(), Map.class);
    List<Object> fields = (List<Object>) json.get("fields");
    fields.add(Map.of("name", "mandatoryNewField", "type", "string"));
    Schema breaking = new Schema.Parser().parse(JSON.writeValueAsString(json));

    assertThat(register(subject, breaking).statusCode()).isEqualTo(409);
  }

  private static Schema schemaOf(Topic<?, ?> topic) {
    return org.apache.avro.specific.SpecificData.get().getSchema(topic.valueType());
  }

  /**
   * A random record of the topic's class, built as a generic record of the current schema and decoded through the
   * single-object serde (so logical types become their Java types exactly as in production).
   */
  private static <V> V randomRecord(Topic<?, V> topic, Schema current, Random random) {
    GenericData.Record generic = (GenericData.Record) SchemaHistoryTest.randomValue(current, random);
    try {
      ByteBuffer encoded = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), current).encode(generic);
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      V record = topic.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer().deserialize(topic.name(PREFIX), bytes);
      assertThat(record).isInstanceOf(SpecificRecord.class);
      return record;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static HttpResponse<String> register(String subject, Schema schema) throws Exception {
    String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
    return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/apis/ccompat/v7/subjects/" + subject + "/versions"))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
