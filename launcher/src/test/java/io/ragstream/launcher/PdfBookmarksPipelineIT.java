package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDDocumentOutline;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineItem;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Document structure end to end on the in-JVM broker, the stack {@link PipelineIT} runs: a PDF's outline (its
 * bookmarks) becomes the heading paths of its indexed chunks, and a Markdown fence's language travels in the
 * documents topic's {@code Block.language} to the chunker, whose chunks of the fence carry the language and the
 * function they hold. Both facts are read back where a user sees them: the query service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PdfBookmarksPipelineIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  /** Each page starts with its bookmark's title as a heading line, then a paragraph well over the merge minimum. */
  private static final List<List<String>> PAGES = List.of(
      List.of("1 Owls", "Owls are birds of prey that hunt small mammals at night across the northern forests.",
          "Their feathers are soft at the edges, so their flight makes almost no sound at all."),
      List.of("1.1 Barn owl", "The barn owl nests in old barns and church towers close to open farmland.",
          "It finds voles in tall grass by ear alone, even on the darkest winter nights."),
      List.of("1.2 Snowy owl", "Snowy owls spend the winter on open tundra far from any tree or forest.",
          "Unlike most owls they hunt lemmings by day during the long summer light of the Arctic."),
      List.of("2 Woodpeckers", "Woodpeckers drum on dead trees to mark their territory every spring.",
          "A stiff tail props them against the bark while they chisel for beetle larvae."),
      List.of("2.1 Pileated woodpecker", "The pileated woodpecker carves rectangular holes in rotting conifers.",
          "Its loud calls carry far through the old growth forests where it lives all year."));

  /** The outline: two chapters (so neither names the document) with sections nested under them. */
  private static final List<List<String>> EXPECTED_PATHS = List.of(
      List.of("1 Owls"),
      List.of("1 Owls", "1.1 Barn owl"),
      List.of("1 Owls", "1.2 Snowy owl"),
      List.of("2 Woodpeckers"),
      List.of("2 Woodpeckers", "2.1 Pileated woodpecker"));

  /**
   * A Markdown guide whose Python fence holds a class of two functions, each big enough (over half the code chunk
   * target) that the chunker's parse gives each a chunk of its own, named in its metadata and heading path.
   */
  private static final String MARKDOWN = "# Store guide\n\n"
      + "The store keeps every value under a key and writes a journal of each change it makes.\n\n"
      + "## Python client\n\n"
      + "The Python client wraps the store in a small class that retries failed calls for the caller.\n\n"
      + "```python\nclass Store:\n" + pythonFunction("fetch_quokka") + "\n" + pythonFunction("journal_wombat")
      + "```\n";

  private static String pythonFunction(String name) {
    StringBuilder f = new StringBuilder("    def " + name + "(self, base):\n"
        + "        \"\"\"Computes the " + name.replace('_', ' ') + " score of the inventory.\"\"\"\n");
    for (int i = 0; i < 8; i++) {
      f.append("        base = base * ").append(i + 3).append(" + self.lookup('").append(name).append(i)
          .append("')\n");
    }
    return f.append("        return base\n").toString();
  }

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension().withPublisher("pdf-bookmarks-it");
  @TempDir static Path docs;

  private final MeterRegistry metrics = Metrics.registry();
  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStack stack;
  private DocumentPublisher publisher;

  @BeforeAll
  void startStack() throws Exception {
    stack = STACK.stack();
    publisher = STACK.publisher();
  }

  @Test
  void aPdfsNestedOutlineBecomesTheHeadingPathsOfItsIndexedChunks() throws Exception {
    Path pdf = outlinedPdf(docs.resolve("birds.pdf"));

    publisher.publishPaths(List.of(pdf), "default", null);

    String status = "/v1/documents/" + URLEncoder.encode(id(pdf), StandardCharsets.UTF_8);
    await().atMost(PATIENCE).untilAsserted(() -> {
      HttpResponse<String> response = request(status);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(headingPaths(HttpJson.mapper().readTree(response.body()).path("headings")))
          .isEqualTo(EXPECTED_PATHS);
    });
    // a section's text is found under its own path, and the heading line is no longer part of the body text
    JsonNode snowy = resultOf(id(pdf), "lemmings tundra Arctic summer light");
    assertThat(strings(snowy.path("headings"))).containsExactly("1 Owls", "1.2 Snowy owl");
    assertThat(snowy.path("text").asText()).contains("Snowy owls spend the winter on open tundra");
    JsonNode pileated = resultOf(id(pdf), "rectangular holes rotting conifers");
    assertThat(strings(pileated.path("headings"))).containsExactly("2 Woodpeckers", "2.1 Pileated woodpecker");
  }

  @Test
  void aPythonFenceIsChunkedByItsFunctionsWithTheLanguageInTheBlockAndInTheChunkMetadata() throws Exception {
    Path markdown = Files.writeString(docs.resolve("store.md"), MARKDOWN);

    publisher.publishPaths(List.of(markdown), "default", null);

    // on the documents topic the language is the block's own field; the document's metadata holds no block keys
    ExtractedDocument extracted = awaitExtracted(id(markdown));
    assertThat(extracted.getBlocks()).filteredOn(b -> b.getKind() == BlockKind.CODE).singleElement()
        .extracting(Block::getLanguage).isEqualTo("python");
    assertThat(extracted.getMetadata().keySet()).noneMatch(key -> key.startsWith("block."));

    await().atMost(PATIENCE).untilAsserted(() -> {
      JsonNode fetch = resultOf(id(markdown), "fetch quokka score inventory");
      assertThat(fetch.path("metadata").path("code.language").asText()).isEqualTo("python");
      assertThat(fetch.path("metadata").path("code.class").asText()).isEqualTo("Store");
      assertThat(fetch.path("metadata").path("code.function").asText()).isEqualTo("fetch_quokka");
      assertThat(strings(fetch.path("headings")))
          .containsExactly("Store guide", "Python client", "Store", "fetch_quokka");
      assertThat(fetch.path("text").asText()).contains("def fetch_quokka(self, base):")
          .doesNotContain("def journal_wombat(");
    });
    // the prose of the section is a chunk of its own, with no code metadata
    JsonNode prose = resultOf(id(markdown), "wraps the store in a small class that retries failed calls");
    assertThat(prose.path("metadata").has("code.language")).isFalse();
    assertThat(strings(prose.path("headings"))).containsExactly("Store guide", "Python client");
  }

  /** A PDF of {@link #PAGES}, one per page, with an outline item per page nested as {@link #EXPECTED_PATHS} says. */
  private static Path outlinedPdf(Path file) throws IOException {
    try (PDDocument doc = new PDDocument()) {
      PDDocumentInformation info = new PDDocumentInformation();
      info.setTitle("Birds of the North");
      doc.setDocumentInformation(info);
      for (List<String> lines : PAGES) {
        PDPage page = new PDPage();
        doc.addPage(page);
        try (PDPageContentStream content = new PDPageContentStream(doc, page)) {
          content.beginText();
          content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 11);
          content.newLineAtOffset(72, 700);
          for (String line : lines) {
            content.showText(line);
            content.newLineAtOffset(0, -24); // wider than the line height: the heading is a line of its own
          }
          content.endText();
        }
      }
      PDDocumentOutline outline = new PDDocumentOutline();
      Map<String, PDOutlineItem> items = new HashMap<>();
      for (int p = 0; p < PAGES.size(); p++) {
        List<String> path = EXPECTED_PATHS.get(p);
        PDOutlineItem item = new PDOutlineItem();
        item.setTitle(path.getLast());
        item.setDestination(doc.getPage(p));
        PDOutlineNode parent = path.size() == 1 ? outline : items.get(path.get(path.size() - 2));
        parent.addLast(item);
        items.put(path.getLast(), item);
      }
      doc.getDocumentCatalog().setDocumentOutline(outline);
      doc.save(file.toFile());
    }
    return file;
  }

  /** The newest ExtractedDocument of a docId on the documents topic, as the chunker reads it. */
  private ExtractedDocument awaitExtracted(String docId) {
    String topic = Topics.DOCUMENTS.name(Topics.DEFAULT_PREFIX);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        stack.kafkaSettings().consumer("pdf-bookmarks-it-documents", "pdf-bookmarks-it-documents", 100))) {
      consumer.subscribe(List.of(topic));
      List<ExtractedDocument> seen = new ArrayList<>();
      await().atMost(PATIENCE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.value() != null && docId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            seen.add(Topics.DOCUMENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer().deserialize(topic, r.value()));
          }
        });
        return !seen.isEmpty();
      });
      return seen.getLast();
    }
  }

  /** The best keyword result of {@code docId} for a query, once there is one. */
  private JsonNode resultOf(String docId, String query) {
    List<JsonNode> found = new ArrayList<>();
    await().atMost(PATIENCE).untilAsserted(() -> {
      found.clear();
      HttpResponse<String> response = request("/v1/search?q=" + URLEncoder.encode(query, StandardCharsets.UTF_8)
          + "&k=10&mode=keyword");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      HttpJson.mapper().readTree(response.body()).path("results").forEach(r -> {
        if (r.path("docId").asText().equals(docId)) {
          found.add(r);
        }
      });
      assertThat(found).as("results of %s for '%s'", docId, query).isNotEmpty();
    });
    return found.getFirst();
  }

  private static List<List<String>> headingPaths(JsonNode paths) {
    List<List<String>> out = new ArrayList<>();
    paths.forEach(path -> out.add(strings(path)));
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(node -> out.add(node.asText()));
    return out;
  }

  private static String id(Path file) {
    return file.toAbsolutePath().normalize().toString();
  }

  private HttpResponse<String> request(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
