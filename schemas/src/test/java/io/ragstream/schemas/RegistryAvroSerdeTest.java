package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.schemas.avro.IngestRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/**
 * Registry-mode behaviour that needs no registry: reading single-object records during a migration, tombstones,
 * malformed bytes, and how an unreachable registry fails. The round trip through a real registry is
 * {@code SchemaRegistryIT}.
 */
class RegistryAvroSerdeTest {
  private static final String TOPIC = "ragstream.ingest";

  @Test
  void readsRecordsWrittenWithSingleObjectEncodingWithoutAskingTheRegistry() throws IOException {
    Serde<IngestRequest> registry = Topics.INGEST.valueSerde(SerdeSettings.registry(closedPortUrl()));
    IngestRequest request = SerdeSettingsTest.request();
    byte[] old = Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(TOPIC, request);

    assertThat(registry.deserializer().deserialize(TOPIC, old)).isEqualTo(request);
  }

  @Test
  void tombstonesStayNull() throws IOException {
    Serde<IngestRequest> registry = Topics.INGEST.valueSerde(SerdeSettings.registry(closedPortUrl()));

    assertThat(registry.serializer().serialize(TOPIC, null)).isNull();
    assertThat(registry.deserializer().deserialize(TOPIC, null)).isNull();
  }

  @Test
  void bytesOfNeitherEncodingAreASerializationException() throws IOException {
    Serde<IngestRequest> registry = Topics.INGEST.valueSerde(SerdeSettings.registry(closedPortUrl()));

    assertThatThrownBy(() -> registry.deserializer().deserialize(TOPIC, new byte[] {0x7f, 1, 2, 3, 4, 5}))
        .isInstanceOf(SerializationException.class).hasMessageContaining("Confluent wire format")
        .hasMessageContaining("single-object");
    assertThatThrownBy(() -> registry.deserializer().deserialize(TOPIC, new byte[] {0, 0, 0}))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void aSingleObjectReaderGivenARegistryRecordSaysHowToReadIt() {
    byte[] confluent = {0, 0, 0, 0, 7, 2, 'x'};

    assertThatThrownBy(() -> AvroSerde.of(IngestRequest.class).decode(confluent))
        .isInstanceOf(SerializationException.class).hasMessageContaining(SerdeSettings.REGISTRY_URL_ENV);
  }

  @Test
  void theSchemaIdIsReadFromTheFourBytesAfterTheMagicByte() {
    assertThat(RegistryAvroSerde.schemaId(new byte[] {0, 0, 0, 1, 2, 99})).isEqualTo(258L);
  }

  @Test
  void anUnreachableRegistryIsNotBlamedOnTheRecord() throws IOException {
    // A closed port, not a stand-in registry: the failure must not look like a poison record (stages dead-letter
    // SerializationExceptions), so the stage retries the batch instead.
    Serde<IngestRequest> registry = Topics.INGEST.valueSerde(SerdeSettings.registry(closedPortUrl()));

    assertThatThrownBy(() -> registry.deserializer().deserialize(TOPIC, new byte[] {0, 0, 0, 0, 7, 2, 'x'}))
        .isInstanceOf(RuntimeException.class).isNotInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> registry.serializer().serialize(TOPIC, SerdeSettingsTest.request()))
        .isInstanceOf(RuntimeException.class).isNotInstanceOf(SerializationException.class);
  }

  /** A registry URL on a port nothing listens on. */
  private static URI closedPortUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return URI.create("http://127.0.0.1:" + port + "/apis/registry/v2");
  }
}
