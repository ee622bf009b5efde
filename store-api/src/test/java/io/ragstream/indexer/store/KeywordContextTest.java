package io.ragstream.indexer.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeywordContextTest {

  private static StoredChunk chunk(String title, List<String> headings, String text) {
    return new StoredChunk("c", "d", "t", 1, 0, title, headings, text, null, Map.of(), "m", null, 0);
  }

  @Test
  void aHeadingPrefixedTextNeedsNoContext() {
    assertThat(KeywordContext.of(chunk("Guide", List.of("Guide", "Install"), "Guide › Install\n\nRun it."))).isEmpty();
  }

  @Test
  void titleAndHeadingsMissingFromTheTextBecomeContextOnceEach() {
    assertThat(KeywordContext.of(chunk("Guide", List.of("Guide", "Install"), "Run it."))).isEqualTo("Guide\nInstall");
  }

  @Test
  void onlyTheMissingOnesAreAddedAndBlankOnesNever() {
    assertThat(KeywordContext.of(chunk(" ", List.of("Install", "", "Upgrade"), "Install\n\nRun it.")))
        .isEqualTo("Upgrade");
    assertThat(KeywordContext.of(chunk(null, List.of(), "text"))).isEmpty();
  }
}
