package io.ragstream.chunker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChunkerConfigTest {

  @Test
  void defaultsFollowTheModelAndNeverPassItsLimit() {
    ChunkerConfig config = ChunkerConfig.forModel(256, 2);

    assertThat(config.maxTokens()).isEqualTo(254);
    assertThat(config.text()).isEqualTo(new ChunkSize(128, 8, 254, 8));
    assertThat(config.code().maxTokens()).isEqualTo(254);
    assertThat(config.headingPrefix()).isTrue();
    assertThat(ChunkerConfig.forModel(64, 2).text().targetTokens()).isEqualTo(62);
  }

  @Test
  void settingsAreReadPerContentKind() {
    ChunkerConfig config = ChunkerConfig.fromSettings(Map.of("chunker.text.target-tokens", "200",
        "chunker.text.overlap-tokens", "0", "chunker.code.max-tokens", "100", "chunker.code.target-tokens", "100",
        "chunker.heading-prefix", "false"), 512, 2);

    assertThat(config.text().targetTokens()).isEqualTo(200);
    assertThat(config.text().overlapTokens()).isZero();
    assertThat(config.code().maxTokens()).isEqualTo(100);
    assertThat(config.headingPrefix()).isFalse();
  }

  @Test
  void invalidSettingsFailAtStartNamingTheSetting() {
    assertThatThrownBy(() -> ChunkerConfig.fromSettings(Map.of("chunker.text.max-tokens", "300"), 256, 2))
        .hasMessageContaining("chunker.text.max-tokens").hasMessageContaining("254");
    assertThatThrownBy(() -> ChunkerConfig.fromSettings(Map.of("chunker.text.overlap-tokens", "100"), 256, 2))
        .hasMessageContaining("chunker.text.overlap-tokens");
    assertThatThrownBy(() -> ChunkerConfig.fromSettings(Map.of("chunker.text.target-tokens", "abc"), 256, 2))
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> ChunkerConfig.fromSettings(Map.of("chunker.txt.target-tokens", "100"), 256, 2))
        .hasMessageContaining("unknown chunker setting");
    assertThatThrownBy(() -> ChunkerConfig.fromSettings(Map.of("chunker.heading-prefix", "yes"), 256, 2))
        .hasMessageContaining("true or false");
  }

  @Test
  void theDocsTableListsEverySetting() throws Exception {
    Path docs = Path.of("../docs/CHUNKING.md");
    String text = Files.readString(docs);
    for (ChunkerSetting setting : ChunkerSetting.values()) {
      assertThat(text).as(setting.key()).contains("| `" + setting.key() + "` | `" + setting.defaultValue() + "` |");
    }
  }
}
