package io.ragstream.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.schemas.AvroSerde;
import io.ragstream.schemas.RegistryAvroSerde;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

  @Test
  void securityOverridesReachEveryClientButNeverTheirPrintedForm() {
    KafkaSettings settings = new KafkaSettings("broker:9093", "ragstream.", Map.of(
        "security.protocol", "SASL_SSL",
        "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"s3cr3t\";",
        "ssl.truststore.password", "trust-me"));

    assertThat(settings.producer("p")).containsEntry("security.protocol", "SASL_SSL")
        .containsKey("sasl.jaas.config");
    assertThat(settings.consumer("g", "c", 10)).containsEntry("ssl.truststore.password", "trust-me");
    assertThat(settings.admin()).containsEntry("security.protocol", "SASL_SSL");
    assertThat(settings.toString()).contains("SASL_SSL").doesNotContain("s3cr3t").doesNotContain("trust-me");
  }

  @Test
  void valuesAreSingleObjectEncodedUnlessRegistryModeIsConfigured() {
    KafkaSettings plain = new KafkaSettings("broker:9093", "ragstream.");
    KafkaSettings registry =
        plain.withSerdes(SerdeSettings.registry(URI.create("http://registry:8080/apis/registry/v2")));

    assertThat(plain.serdes()).isEqualTo(SerdeSettings.SINGLE_OBJECT);
    assertThat(plain.valueSerde(Topics.CHUNKS)).isInstanceOf(AvroSerde.class);
    assertThat(registry.valueSerde(Topics.CHUNKS)).isInstanceOf(RegistryAvroSerde.class);
    assertThat(registry.toString()).contains("REGISTRY", "http://registry:8080/apis/registry/v2");
  }

  @Test
  void derivedSettingsKeepTheValueEncoding() {
    KafkaSettings registry = new KafkaSettings("broker:9093", "ragstream.", Map.of(),
        SerdeSettings.registry(URI.create("http://registry:8080/apis/registry/v2")));

    KafkaSettings tuned = registry.withClientOverrides(Map.of("fetch.max.wait.ms", "50"));

    assertThat(tuned.serdes()).isEqualTo(registry.serdes());
    assertThat(tuned.consumer("g", "c", 10)).containsEntry("fetch.max.wait.ms", "50");
    assertThatThrownBy(() -> new KafkaSettings("broker:9093", "ragstream.", Map.of(), null))
        .hasMessageContaining("serde");
  }

  @Test
  void aMissingBootstrapIsRefusedWithItsName() {
    assertThatThrownBy(() -> new KafkaSettings(" ", "ragstream.")).hasMessageContaining("bootstrap");
  }
}
