package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.apicurio.registry.serde.Legacy4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.ragstream.schemas.SerdeSettings.Mode;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.IngestRequest;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class SerdeSettingsTest {
  private static final String URL = "http://registry:8080/apis/registry/v2";

  @Test
  void withoutARegistryUrlValuesUseSingleObjectEncoding() {
    SerdeSettings settings = SerdeSettings.fromEnvironment(Map.of("PATH", "/usr/bin"));

    assertThat(settings).isEqualTo(SerdeSettings.SINGLE_OBJECT);
    assertThat(settings.registryMode()).isFalse();
    byte[] bytes = Topics.INGEST.valueSerde(settings).serializer().serialize("ragstream.ingest", request());
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(Topics.INGEST.valueSerde(settings)).isInstanceOf(AvroSerde.class);
    assertThatThrownBy(settings::apicurioConfig).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aBlankRegistryUrlMeansNoRegistry() {
    assertThat(SerdeSettings.fromEnvironment(Map.of(SerdeSettings.REGISTRY_URL_ENV, "  ")))
        .isEqualTo(SerdeSettings.SINGLE_OBJECT);
    assertThat(SerdeSettings.of("", "")).isEqualTo(SerdeSettings.SINGLE_OBJECT);
  }

  @Test
  void aRegistryUrlSwitchesEveryAvroTopicToTheRegistrySerde() {
    SerdeSettings settings = SerdeSettings.fromEnvironment(Map.of(SerdeSettings.REGISTRY_URL_ENV, URL));

    assertThat(settings.mode()).isEqualTo(Mode.REGISTRY);
    assertThat(settings.registryUrl()).isEqualTo(URI.create(URL));
    assertThat(settings.autoRegister()).isTrue();
    for (Topic<?, ?> topic : Topics.ALL) {
      if (topic.avro()) {
        assertThat(topic.valueSerde(settings)).as(topic.suffix()).isInstanceOf(RegistryAvroSerde.class);
      } else {
        // dead-letter topics carry other topics' raw records in every mode
        assertThat(topic.valueSerde(settings).getClass()).isEqualTo(Serdes.ByteArray().getClass());
      }
    }
  }

  @Test
  void registryModeConfiguresApicurioForTheConfluentWireFormat() {
    Map<String, Object> config = SerdeSettings.registry(URI.create(URL)).apicurioConfig();

    // Literal keys, not Apicurio's constants: an upgrade that renames a key must fail here, not silently change
    // the wire format.
    assertThat(config).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("apicurio.registry.url", URL),
        Map.entry("apicurio.registry.as-confluent", true),
        Map.entry("apicurio.registry.headers.enabled", false),
        Map.entry("apicurio.registry.use-id", "contentId"),
        Map.entry("apicurio.registry.artifact-resolver-strategy",
            "io.apicurio.registry.serde.strategy.TopicIdStrategy"),
        Map.entry("apicurio.registry.dereference-schema", true),
        Map.entry("apicurio.registry.auto-register", true),
        Map.entry("apicurio.registry.auto-register.if-exists", "RETURN_OR_UPDATE"),
        Map.entry("apicurio.registry.find-latest", false),
        Map.entry("apicurio.registry.fault-tolerant-refresh", true),
        Map.entry("apicurio.registry.avro.encoding", "BINARY"),
        Map.entry("apicurio.registry.use-specific-avro-reader", true)));
  }

  @Test
  void withoutAutoRegisterWritersUseTheLatestRegisteredVersion() {
    SerdeSettings settings = SerdeSettings.fromEnvironment(
        Map.of(SerdeSettings.REGISTRY_URL_ENV, URL, SerdeSettings.AUTO_REGISTER_ENV, "false"));

    assertThat(settings.autoRegister()).isFalse();
    assertThat(settings.apicurioConfig())
        .containsEntry("apicurio.registry.auto-register", false)
        .containsEntry("apicurio.registry.find-latest", true);
  }

  @Test
  void apicurioTakesTheConfigAsTheConfluentIdHandlerWithoutHeaders() {
    // What the library makes of the keys, without a registry: configuring makes no request.
    try (AvroKafkaSerializer<Chunk> serializer = new AvroKafkaSerializer<>()) {
      serializer.configure(SerdeSettings.registry(URI.create(URL)).apicurioConfig(), false);

      assertThat(serializer.getIdHandler()).isInstanceOf(Legacy4ByteIdHandler.class);
      assertThat(serializer.getIdHandler().idSize()).isEqualTo(4);
    }
  }

  @Test
  void invalidSettingsFailFastNamingTheVariable() {
    assertThatThrownBy(() -> SerdeSettings.of("registry:8080", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SerdeSettings.REGISTRY_URL_ENV);
    assertThatThrownBy(() -> SerdeSettings.of("ftp://registry/apis/registry/v2", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
    assertThatThrownBy(() -> SerdeSettings.of("http://registry:8080/apis/ccompat/v7", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apis/registry/v2");
    assertThatThrownBy(() -> SerdeSettings.of("http://user:secret@registry:8080/apis/registry/v2", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credentials")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> SerdeSettings.of("ftp://user:secret@registry/", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> SerdeSettings.of("http://bad host/", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SerdeSettings.REGISTRY_URL_ENV);
    assertThatThrownBy(() -> SerdeSettings.of(URL, "yes"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SerdeSettings.AUTO_REGISTER_ENV);
    assertThatThrownBy(() -> SerdeSettings.of(null, "false"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(SerdeSettings.REGISTRY_URL_ENV);
    assertThatThrownBy(() -> new SerdeSettings(Mode.SINGLE_OBJECT, URI.create(URL), false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void subjectsFollowTheTopicNameStrategy() {
    assertThat(Topics.CHUNKS.valueSubject("ragstream.")).isEqualTo("ragstream.chunks-value");
    assertThat(Topics.INDEX_EVENTS.valueSubject("acme.")).isEqualTo("acme.index-events-value");
    assertThatThrownBy(() -> Topics.DLQ_CHUNKER.valueSubject("ragstream."))
        .isInstanceOf(IllegalStateException.class);
  }

  static IngestRequest request() {
    return IngestRequest.newBuilder().setDocId("doc-1").setIngestedAt(Instant.ofEpochMilli(1234)).build();
  }
}
