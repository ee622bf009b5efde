package io.ragstream.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void aMissingBootstrapIsRefusedWithItsName() {
    assertThatThrownBy(() -> new KafkaSettings(" ", "ragstream.")).hasMessageContaining("bootstrap");
  }
}
