package io.ragstream.ingest.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ragstream.schemas.avro.Block;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OCR through the isolated extract child with the real Tesseract: a PNG and a TIFF of printed text, and a PDF whose
 * pages are only pictures, give their text and are marked as OCR'd; the page cap leaves a long scan un-OCR'd.
 */
class OcrExtractionIT {
  private static final List<String> PRINTED = List.of("Lighthouse keepers trimmed the lamp wicks", "every evening before sunset.");

  private static TikaExtractor extractor;

  @BeforeAll
  static void startChild() {
    assumeTrue(OcrSettings.tesseractOnPath(System.getenv("PATH")),
        "tesseract is not on the PATH (Debian: apt-get install tesseract-ocr); OCR cannot be tested here");
    extractor = TikaExtractor.isolated(ExtractLimits.DEFAULTS, 512, OcrSettings.OFF.on().withMaxPages(3));
  }

  @AfterAll
  static void stopChild() {
    if (extractor != null) {
      extractor.close();
    }
  }

  @Test
  void aPngOfPrintedTextIsReadAndMarkedAsOcr() throws Exception {
    Extraction extraction = extractor.extract(ScannedImages.image(PRINTED, "png"), null, "scan.png");

    assertThat(extraction.contentType()).isEqualTo("image/png");
    assertThat(text(extraction)).contains("lighthouse keepers trimmed the lamp wicks");
    assertThat(extraction.metadata()).containsEntry(Extraction.OCR, "true")
        .containsEntry(Extraction.OCR_LANGUAGE, "eng");
  }

  @Test
  void aTiffIsReadToo() throws Exception {
    Extraction extraction = extractor.extract(ScannedImages.image(PRINTED, "tiff"), null, "scan.tiff");

    assertThat(text(extraction)).contains("every evening before sunset");
  }

  @Test
  void aPdfWithoutATextLayerIsOcrdPageByPage() throws Exception {
    byte[] pdf = ScannedImages.imageOnlyPdf(List.of(PRINTED, List.of("Harbour pilots guided the ferries home.")));

    Extraction extraction = extractor.extract(pdf, "application/pdf", "scanned.pdf");

    assertThat(text(extraction)).contains("lighthouse keepers trimmed", "harbour pilots guided the ferries");
    assertThat(extraction.metadata()).containsEntry(Extraction.OCR, "true")
        .containsEntry(Extraction.OCR_PAGES, "2");
  }

  @Test
  void aScanOverThePageCapIsNotOcrdAndSaysWhy() {
    List<List<String>> pages = List.of(PRINTED, PRINTED, PRINTED, PRINTED);

    assertThatThrownBy(() -> extractor.extract(ScannedImages.imageOnlyPdf(pages), "application/pdf", "long.pdf"))
        .isInstanceOfSatisfying(ExtractionException.class,
            e -> assertThat(e.reason()).isEqualTo(ExtractionException.Reason.EMPTY))
        .hasMessageContaining("4 pages, over the OCR page cap of 3");
  }

  @Test
  void withOcrOffAScanStaysEmpty() throws Exception {
    try (TikaExtractor off = new TikaExtractor(ExtractLimits.DEFAULTS, OcrSettings.OFF)) {
      assertThatThrownBy(() -> off.extract(ScannedImages.image(PRINTED, "png"), null, "scan.png"))
          .isInstanceOfSatisfying(ExtractionException.class,
              e -> assertThat(e.reason()).isEqualTo(ExtractionException.Reason.EMPTY))
          .hasMessageContaining("OCR is off");
    }
  }

  private static String text(Extraction extraction) {
    return extraction.blocks().stream().map(Block::getText).collect(Collectors.joining(" "))
        .replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }
}
