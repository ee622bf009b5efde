package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OcrSettingsTest {

  @Test
  void autoFollowsWhetherTesseractIsInstalled() {
    assertThat(OcrSettings.from(Map.of(), true).enabled()).isTrue();
    assertThat(OcrSettings.from(Map.of(), false).enabled()).isFalse();
    assertThat(OcrSettings.from(Map.of("RAGSTREAM_OCR", "off"), true).enabled()).isFalse();
  }

  @Test
  void onWithoutTesseractRefusesToStart() {
    assertThatThrownBy(() -> OcrSettings.from(Map.of("RAGSTREAM_OCR", "on"), false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("tesseract");
    assertThat(OcrSettings.from(Map.of("RAGSTREAM_OCR", "on"), true).enabled()).isTrue();
  }

  @Test
  void budgetsAndLanguageAreReadAndValidated() {
    OcrSettings settings = OcrSettings.from(Map.of("RAGSTREAM_OCR_LANGUAGE", "eng+deu",
        "RAGSTREAM_OCR_PAGE_TIMEOUT_SECONDS", "5", "RAGSTREAM_OCR_DOCUMENT_TIMEOUT_SECONDS", "40",
        "RAGSTREAM_OCR_MAX_PAGES", "7"), true);
    assertThat(settings).isEqualTo(new OcrSettings(true, "eng+deu", Duration.ofSeconds(5), Duration.ofSeconds(40), 7));

    assertThatThrownBy(() -> OcrSettings.from(Map.of("RAGSTREAM_OCR", "maybe"), true))
        .hasMessageContaining("RAGSTREAM_OCR must be auto, on or off");
    assertThatThrownBy(() -> OcrSettings.from(Map.of("RAGSTREAM_OCR_MAX_PAGES", "-1"), true))
        .hasMessageContaining("RAGSTREAM_OCR_MAX_PAGES");
    assertThatThrownBy(() -> OcrSettings.from(Map.of("RAGSTREAM_OCR_LANGUAGE", "../etc"), true))
        .hasMessageContaining("OCR language");
    assertThatThrownBy(() -> OcrSettings.from(Map.of("RAGSTREAM_OCR_PAGE_TIMEOUT_SECONDS", "60",
        "RAGSTREAM_OCR_DOCUMENT_TIMEOUT_SECONDS", "30"), true)).hasMessageContaining("must not be shorter");
  }

  @Test
  void settingsSurviveTheTripToTheChild() {
    OcrSettings settings = new OcrSettings(true, "eng", Duration.ofSeconds(9), Duration.ofSeconds(99), 4);
    String[] args = new String[3 + 5];
    System.arraycopy(settings.toArgs(), 0, args, 3, 5);
    assertThat(OcrSettings.fromArgs(args, 3)).isEqualTo(settings);
  }
}
