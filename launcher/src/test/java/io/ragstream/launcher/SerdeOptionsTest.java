package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ragstream.schemas.SerdeSettings;
import java.net.URI;
import java.util.Map;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's switch between single-object encoding and registry mode. */
class SerdeOptionsTest {
  private static final String URL = "http://registry:8080/apis/registry/v2";

  @Test
  void stagesUseSingleObjectEncodingByDefault() {
    Ragstream.Stage stage = new Ragstream.Stage();
    new CommandLine(stage).parseArgs("extract");

    assertThat(stage.kafka(Map.of()).serdes()).isEqualTo(SerdeSettings.SINGLE_OBJECT);
  }

  @Test
  void aRegistryUrlPutsTheStageInRegistryMode() {
    Ragstream.Stage stage = new Ragstream.Stage();
    new CommandLine(stage).parseArgs("extract", "--schema-registry-url", URL);

    SerdeSettings serdes = stage.kafka(Map.of()).serdes();
    assertThat(serdes.registryMode()).isTrue();
    assertThat(serdes.registryUrl()).isEqualTo(URI.create(URL));
    assertThat(serdes.autoRegister()).isTrue();
  }

  @Test
  void autoRegisterCanBeTurnedOffAndABadValueIsRefused() {
    Ragstream.Publish publish = new Ragstream.Publish();
    new CommandLine(publish).parseArgs("--schema-registry-url", URL, "--schema-registry-auto-register", "false",
        "file.txt");
    assertThat(publish.kafka.settings().serdes().autoRegister()).isFalse();

    Ragstream.Publish bad = new Ragstream.Publish();
    new CommandLine(bad).parseArgs("--schema-registry-url", "http://registry:8080/apis/ccompat/v7", "file.txt");
    assertThatThrownBy(() -> bad.kafka.settings()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(SerdeSettings.REGISTRY_URL_ENV);
  }

  @Test
  void theEmbeddedStackNeedsNoRegistryUnlessAsked() {
    assertThat(StackConfig.defaults(Path.of("data")).serdes()).isEqualTo(SerdeSettings.SINGLE_OBJECT);
    assertThat(StackConfig.defaults(Path.of("data")).withEphemeralPorts().withSerdes(
        SerdeSettings.registry(URI.create(URL))).serdes().registryMode()).isTrue();
  }
}
