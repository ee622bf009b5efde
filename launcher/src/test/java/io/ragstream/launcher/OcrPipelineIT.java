package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.extract.OcrSettings;
import io.ragstream.ingest.extract.ScannedImages;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scans on the embedded stack (OCR on by default where Tesseract is installed): a one-page PDF that is only a
 * picture, and a PNG of printed text, are found by a phrase of their text, and their results and their status
 * ({@code GET /v1/documents/{docId}}'s pipeline) say they were OCR'd.
 */
class OcrPipelineIT {
  private static final Duration PATIENCE = Duration.ofSeconds(180);

  @TempDir Path dataDir;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aScannedPdfAndAPngAreFoundByAPhraseOfTheirText() throws Exception {
    assumeTrue(OcrSettings.tesseractOnPath(System.getenv("PATH")),
        "tesseract is not on the PATH (Debian: apt-get install tesseract-ocr): scans cannot be OCR'd here");
    assumeTrue(!"off".equalsIgnoreCase(System.getenv(OcrSettings.MODE_VARIABLE)), "RAGSTREAM_OCR=off in this env");
    try (EmbeddedStack stack = EmbeddedStack.start(StackConfig.defaults(dataDir).withEphemeralPorts(),
            Metrics.registry());
        DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "ocr-pipeline-it")) {
      publisher.publish("scans/minutes.pdf", "default", "application/pdf", "minutes.pdf",
          ScannedImages.imageOnlyPdf(List.of(List.of("Minutes of the harbour committee",
              "The breakwater repairs finish in spring."))),
          Map.of());
      publisher.publish("scans/notice.png", "default", "image/png", "notice.png",
          ScannedImages.image(List.of("Notice to mariners", "The northern channel buoy was moved east."), "png"),
          Map.of());

      await().atMost(PATIENCE).untilAsserted(() -> {
        JsonNode hit = first(stack, "breakwater repairs finish in spring");
        assertThat(hit.path("docId").asText()).isEqualTo("scans/minutes.pdf");
        assertThat(hit.path("metadata").path("ocr").asText()).isEqualTo("true");
      });
      await().atMost(PATIENCE).untilAsserted(() -> {
        JsonNode hit = first(stack, "northern channel buoy moved");
        assertThat(hit.path("docId").asText()).isEqualTo("scans/notice.png");
        assertThat(hit.path("text").asText().toLowerCase()).contains("channel buoy");
        assertThat(hit.path("metadata").path("ocrLanguage").asText()).isEqualTo("eng");
      });

      // the status route says so too: GET /v1/documents/{docId}'s pipeline carries the OCR marks of the version
      await().atMost(PATIENCE).untilAsserted(() -> {
        JsonNode pipeline = document(stack, "scans/minutes.pdf").path("pipeline");
        assertThat(pipeline.path("state").asText()).isEqualTo("INDEXED");
        assertThat(pipeline.path("ocr").asBoolean()).as("%s", pipeline).isTrue();
        assertThat(pipeline.path("ocrPages").asInt()).isEqualTo(1);
        assertThat(pipeline.path("ocrLanguage").asText()).isEqualTo("eng");
      });
      await().atMost(PATIENCE).untilAsserted(() -> {
        JsonNode pipeline = document(stack, "scans/notice.png").path("pipeline");
        assertThat(pipeline.path("state").asText()).isEqualTo("INDEXED");
        assertThat(pipeline.path("ocr").asBoolean()).as("%s", pipeline).isTrue();
        assertThat(pipeline.path("ocrLanguage").asText()).isEqualTo("eng");
        assertThat(DocumentReport.format(document(stack, "scans/notice.png")))
            .contains("ocr       1 page(s), language eng");
      });
    }
  }

  private JsonNode document(EmbeddedStack stack, String docId) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/documents/" + URLEncoder.encode(docId, StandardCharsets.UTF_8))).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body());
  }

  private JsonNode first(EmbeddedStack stack, String query) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/search?mode=keyword&k=3&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode results = HttpJson.mapper().readTree(response.body()).path("results");
    assertThat(results).as("results for '%s'", query).isNotEmpty();
    return results.get(0);
  }
}
