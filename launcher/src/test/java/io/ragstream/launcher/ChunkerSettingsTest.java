package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.chunker.ChunkerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkerSettingsTest {

  @Test
  void environmentVariablesNameTheChunkerSettings() {
    Map<String, String> settings = ChunkerSettings.from(Map.of(
        "RAGSTREAM_CHUNKER_HEADING_PREFIX", "false",
        "RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS", "96",
        "UNRELATED", "x"));

    assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
        "chunker.heading-prefix", "false", "chunker.text.target-tokens", "96"));
    ChunkerConfig config = ChunkerConfig.fromSettings(settings, 256, 2);
    assertThat(config.headingPrefix()).isFalse();
  }

  @Test
  void anInvalidValueStopsTheStartNamingTheSetting() {
    Map<String, String> settings = ChunkerSettings.from(Map.of("RAGSTREAM_CHUNKER_TEXT_TARGET_TOKENS", "100000"));

    assertThatThrownBy(() -> ChunkerConfig.fromSettings(settings, 256, 2))
        .hasMessageContaining("chunker.text.target-tokens");
  }
}
