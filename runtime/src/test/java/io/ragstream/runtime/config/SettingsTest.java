package io.ragstream.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  private static final Setting BATCH = Setting.integer("demo.batch-size", 64, 1, 1000, "texts per batch");
  private static final Setting WAIT = Setting.duration("demo.max-wait", Duration.ofMillis(100), Duration.ZERO,
      Duration.ofSeconds(30), "wait");
  private static final Setting MODE = Setting.choice("demo.mode", "rrf", List.of("rrf", "weighted"), "fusion");
  private static final Setting KEY = Setting.string("demo.api-key", null, "a key").asSecret();
  private static final List<Setting> ALL = List.of(BATCH, WAIT, MODE, KEY);

  @Test
  void defaultsApplyWhenNeitherFlagNorVariableIsGiven() {
    Settings s = Settings.resolve(ALL, Map.of(), Map.of());
    assertThat(s.integer(BATCH)).isEqualTo(64);
    assertThat(s.duration(WAIT)).isEqualTo(Duration.ofMillis(100));
    assertThat(s.optional(KEY)).isEmpty();
    assertThat(s.values()).extracting(Settings.Value::source)
        .containsExactly(Settings.Source.DEFAULT, Settings.Source.DEFAULT, Settings.Source.DEFAULT,
            Settings.Source.UNSET);
  }

  @Test
  void theVariableOverridesTheDefaultAndTheFlagOverridesTheVariable() {
    Map<String, String> env = Map.of("RAGSTREAM_DEMO_BATCH_SIZE", "128", "RAGSTREAM_DEMO_MODE", "WEIGHTED");
    Settings fromEnv = Settings.resolve(ALL, Map.of(), env);
    assertThat(fromEnv.integer(BATCH)).isEqualTo(128);
    assertThat(fromEnv.string(MODE)).isEqualTo("weighted"); // normalised to the declared spelling

    Settings fromFlag = Settings.resolve(ALL, Map.of("demo.batch-size", "256"), env);
    assertThat(fromFlag.integer(BATCH)).isEqualTo(256);
    assertThat(fromFlag.values().getFirst().source()).isEqualTo(Settings.Source.FLAG);
    // a flag may also name the variable
    assertThat(Settings.resolve(ALL, Map.of("RAGSTREAM_DEMO_BATCH_SIZE", "7"), env).integer(BATCH)).isEqualTo(7);
  }

  @Test
  void everyInvalidValueIsNamedInOneError() {
    assertThatThrownBy(() -> Settings.resolve(ALL, Map.of("demo.mode", "linear"),
        Map.of("RAGSTREAM_DEMO_BATCH_SIZE", "0", "RAGSTREAM_DEMO_MAX_WAIT", "5s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RAGSTREAM_DEMO_BATCH_SIZE (demo.batch-size) must be a whole number between 1 and 1000,"
            + " got '0'")
        .hasMessageContaining("RAGSTREAM_DEMO_MAX_WAIT (demo.max-wait) must be an ISO-8601 duration")
        .hasMessageContaining("RAGSTREAM_DEMO_MODE (demo.mode) must be one of rrf, weighted, got 'linear' (from a"
            + " flag)");
  }

  @Test
  void anUnknownFlagKeyIsRefused() {
    assertThatThrownBy(() -> Settings.resolve(ALL, Map.of("demo.batchsize", "3"), Map.of()))
        .hasMessageContaining("unknown setting 'demo.batchsize'");
  }

  @Test
  void anUnknownRagstreamVariableIsRefusedByName() {
    Map<String, String> env = Map.of("RAGSTREAM_DEMO_BATCH_SIZ", "3", "RAGSTREAM_DEMO_MODE", "rrf", "PATH", "/bin",
        "RAGSTREAM_KAFKA_SECURITY_PROTOCOL", "SSL", "RAGSTREAM_JVM_OPTS", "-Xmx1g");
    assertThatThrownBy(() -> Settings.rejectUnknownVariables(env, ALL, List.of("RAGSTREAM_JVM_OPTS")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown environment variable RAGSTREAM_DEMO_BATCH_SIZ:")
        .hasMessageNotContaining("RAGSTREAM_DEMO_MODE").hasMessageNotContaining("RAGSTREAM_KAFKA_SECURITY_PROTOCOL");
  }

  @Test
  void secretsAreHiddenInTheDescriptionAndInErrors() {
    Settings s = Settings.resolve(ALL, Map.of(), Map.of("RAGSTREAM_DEMO_API_KEY", "sk-very-secret"));
    assertThat(s.string(KEY)).isEqualTo("sk-very-secret");
    assertThat(s.describe()).contains("demo.api-key").contains("[hidden]").doesNotContain("sk-very-secret");
    Setting secretNumber = Setting.integer("demo.pin", 1, 0, 9, "pin").asSecret();
    assertThatThrownBy(() -> Settings.resolve(List.of(secretNumber), Map.of(), Map.of("RAGSTREAM_DEMO_PIN", "1234")))
        .hasMessageContaining("[hidden]").hasMessageNotContaining("1234");
  }

  @Test
  void aPasswordInsideAUrlIsHiddenToo() {
    Setting cache = Setting.string("demo.cache", "off", "cache");
    Settings s = Settings.resolve(List.of(cache), Map.of(), Map.of("RAGSTREAM_DEMO_CACHE", "redis://:s3cr3t@redis:6379"));
    assertThat(s.describe()).contains("redis://:[hidden]@redis:6379").doesNotContain("s3cr3t");
    assertThat(s.string(cache)).isEqualTo("redis://:s3cr3t@redis:6379");
  }

  @Test
  void aDeclarationWithAnInvalidDefaultFailsAtOnce() {
    assertThatThrownBy(() -> Setting.integer("demo.n", 0, 1, 5, "n")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void kafkaOverridesComeFromTheFileAndTheVariablesWhichWin(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("client.properties");
    Files.writeString(file, "security.protocol=SSL\nssl.truststore.location=/etc/trust.jks\n");
    Map<String, String> overrides = KafkaClientOverrides.load(file, Map.of(
        "RAGSTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "RAGSTREAM_KAFKA_SASL_MECHANISM", "PLAIN",
        "RAGSTREAM_KAFKA_CONFIG_FILE", file.toString()));
    assertThat(overrides).containsExactlyInAnyOrderEntriesOf(Map.of("security.protocol", "SASL_SSL",
        "ssl.truststore.location", "/etc/trust.jks", "sasl.mechanism", "PLAIN"));
  }

  @Test
  void anUnknownKafkaPropertyIsRefusedByName(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> KafkaClientOverrides.load(null, Map.of("RAGSTREAM_KAFKA_SECURITY_PROTOKOL", "SSL")))
        .hasMessageContaining("security.protokol").hasMessageContaining("RAGSTREAM_KAFKA_SECURITY_PROTOKOL");
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "sasl.jaas.cofig=x\n");
    assertThatThrownBy(() -> KafkaClientOverrides.load(file, Map.of())).hasMessageContaining("sasl.jaas.cofig")
        .hasMessageContaining(file.toString());
    assertThatThrownBy(() -> KafkaClientOverrides.load(dir.resolve("missing"), Map.of()))
        .hasMessageContaining("does not exist");
  }
}
