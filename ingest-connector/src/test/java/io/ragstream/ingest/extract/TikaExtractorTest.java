package io.ragstream.ingest.extract;

import static io.ragstream.ingest.extract.Fixtures.utf8;
import static io.ragstream.schemas.avro.BlockKind.CODE;
import static io.ragstream.schemas.avro.BlockKind.HEADING;
import static io.ragstream.schemas.avro.BlockKind.LIST_ITEM;
import static io.ragstream.schemas.avro.BlockKind.PARAGRAPH;
import static io.ragstream.schemas.avro.BlockKind.TABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.ragstream.ingest.extract.ExtractionException.Reason;
import io.ragstream.schemas.avro.Block;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class TikaExtractorTest {

  private static final TikaExtractor EXTRACTOR = new TikaExtractor();

  private static final String HTML = """
      <!DOCTYPE html>
      <html lang="de"><head><title>Field guide</title>
      <style>p { color: red }</style><script>var leaked = "SCRIPT_SECRET";</script></head>
      <body>
        <h1>Birds</h1>
        <h2>Owls</h2>
        Loose text in the   body
        <div>A div of its own</div>
        <p>Owls hunt   at
           night with <b>silent</b> <code>feathers</code>.</p>
        <ul><li>Barn owl<ul><li>Tyto alba</li></ul></li><li><p>Snowy owl</p></li></ul>
        <table><tr><th>Name</th><th>Span</th></tr><tr><td>Barn owl</td><td>1 m</td></tr></table>
        <pre><code>hoot();
        hoot();</code></pre>
        <script>document.write("SCRIPT_SECRET")</script>
      </body></html>
      """;

  @AfterAll
  static void close() {
    EXTRACTOR.close();
  }

  @Test
  void pdfTextBecomesParagraphsPerPage() throws Exception {
    byte[] pdf = Fixtures.pdf("Zebra report", List.of(
        List.of("Zebras quantize marmalade 4711", "on the second line"), List.of("Page two stands alone")));

    Extraction extraction = EXTRACTOR.extract(pdf, null, "report.pdf");

    assertThat(extraction.contentType()).isEqualTo("application/pdf");
    assertThat(extraction.title()).isEqualTo("Zebra report");
    assertThat(extraction.metadata()).containsEntry(Extraction.PAGE_COUNT, "2").doesNotContainKey(Extraction.TRUNCATED);
    assertThat(extraction.blocks()).extracting(Block::getKind, Block::getText).containsExactly(
        tuple(PARAGRAPH, "Zebras quantize marmalade 4711 on the second line"),
        tuple(PARAGRAPH, "Page two stands alone"));
  }

  @Test
  void docxStylesListsAndTablesBecomeBlocks() throws Exception {
    byte[] docx = Fixtures.docx("Quarterly report", "Revenue grew in every region.", List.of("apples", "pears"),
        "conference pears", List.of(List.of("Fruit", "Crates"), List.of("apples", "3")));

    Extraction extraction = EXTRACTOR.extract(docx, null, "report.docx");

    assertThat(extraction.contentType())
        .isEqualTo("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assertThat(extraction.title()).isEqualTo("Quarterly report");
    assertThat(extraction.metadata()).containsEntry(Extraction.AUTHOR, "Ada Lovelace").containsKey(Extraction.CREATED);
    assertThat(extraction.blocks()).extracting(Block::getKind, Block::getLevel, Block::getText).containsExactly(
        tuple(HEADING, 1, "Quarterly report"),
        tuple(PARAGRAPH, 0, "Revenue grew in every region."),
        tuple(LIST_ITEM, 1, "apples"),
        tuple(LIST_ITEM, 1, "pears"),
        tuple(LIST_ITEM, 1, "conference pears"),
        tuple(TABLE, 0, "Fruit\tCrates\napples\t3"));
    assertThat(extraction.blocks().getLast().getRows())
        .containsExactly(List.of("Fruit", "Crates"), List.of("apples", "3"));
  }

  @Test
  void htmlKeepsStructureAndDropsScripts() throws Exception {
    Extraction extraction = EXTRACTOR.extract(utf8(HTML), "text/html", "guide.html");

    assertThat(extraction.contentType()).isEqualTo("text/html");
    assertThat(extraction.title()).isEqualTo("Field guide");
    assertThat(extraction.language()).isEqualTo("de");
    assertThat(extraction.blocks()).extracting(Block::getKind, Block::getLevel, Block::getText).containsExactly(
        tuple(HEADING, 1, "Birds"),
        tuple(HEADING, 2, "Owls"),
        tuple(PARAGRAPH, 0, "Loose text in the body"),
        tuple(PARAGRAPH, 0, "A div of its own"),
        tuple(PARAGRAPH, 0, "Owls hunt at night with silent feathers."),
        tuple(LIST_ITEM, 1, "Barn owl"),
        tuple(LIST_ITEM, 2, "Tyto alba"),
        tuple(LIST_ITEM, 1, "Snowy owl"),
        tuple(TABLE, 0, "Name\tSpan\nBarn owl\t1 m"),
        tuple(CODE, 0, "hoot();\n  hoot();"));
    assertThat(extraction.blocks().get(8).getRows())
        .containsExactly(List.of("Name", "Span"), List.of("Barn owl", "1 m"));
    assertThat(extraction.blocks()).extracting(Block::getText).noneMatch(text -> text.contains("SCRIPT_SECRET"));
  }

  @Test
  void markdownIsRenderedSoHeadingsListsAndCodeSurvive() throws Exception {
    String markdown = """
        # Install guide

        Read this *first*.

        ## Steps

        - download
        - unpack
          - check the checksum

        ```sh
        ./ragstream up
          --data-dir /tmp/rs
        ```

        | flag | default |
        |------|---------|
        | k    | 10      |
        """;

    Extraction byName = EXTRACTOR.extract(utf8(markdown), null, "INSTALL.md");
    Extraction byType = EXTRACTOR.extract(utf8(markdown), "text/markdown; charset=UTF-8", null);

    assertThat(byName.contentType()).isEqualTo("text/markdown");
    assertThat(byName.title()).isEqualTo("Install guide");
    assertThat(byName.blocks()).extracting(Block::getKind, Block::getLevel, Block::getText).containsExactly(
        tuple(HEADING, 1, "Install guide"),
        tuple(PARAGRAPH, 0, "Read this first."),
        tuple(HEADING, 2, "Steps"),
        tuple(LIST_ITEM, 1, "download"),
        tuple(LIST_ITEM, 1, "unpack"),
        tuple(LIST_ITEM, 2, "check the checksum"),
        tuple(CODE, 0, "./ragstream up\n  --data-dir /tmp/rs"),
        tuple(TABLE, 0, "flag\tdefault\nk\t10"));
    assertThat(byType.blocks()).isEqualTo(byName.blocks());
    assertThat(EXTRACTOR.extract(utf8(markdown), null, "notes.markdown").blocks()).isEqualTo(byName.blocks());
  }

  @Test
  void markdownUploadedWithoutANameOrAMarkdownTypeIsStillMarkdown() throws Exception {
    String markdown = """
        # Lighthouse keeping

        Keepers trimmed the **wick** every evening.

        ## Lamps

        - Fresnel lenses
        - Argand burners

        See [the manual](https://example.org/manual).
        """;
    Extraction byName = EXTRACTOR.extract(utf8(markdown), null, "keeping.md");

    // what an HTTP upload without `name` sends: no type, curl's defaults, or text/plain
    for (String declared : Arrays.asList(null, "text/plain", "text/plain; charset=UTF-8", "application/octet-stream",
        "application/x-www-form-urlencoded")) {
      for (String name : Arrays.asList(null, "README", "uploads/notes")) {
        Extraction sniffed = EXTRACTOR.extract(utf8(markdown), declared, name);
        assertThat(sniffed.contentType()).as(declared + " / " + name).isEqualTo("text/markdown");
        assertThat(sniffed.blocks()).as(declared + " / " + name).isEqualTo(byName.blocks());
      }
    }
    assertThat(byName.blocks()).extracting(Block::getKind, Block::getText).contains(
        tuple(HEADING, "Lighthouse keeping"), tuple(HEADING, "Lamps"), tuple(LIST_ITEM, "Fresnel lenses"));
    assertThat(EXTRACTOR.extract(utf8("Lighthouse keeping\n==================\n\nKeepers *trimmed* the wick.\n\n"
        + "Lamps\n-----\n\nFresnel lenses focus the beam.\n"), null, null).blocks())
        .extracting(Block::getKind, Block::getLevel, Block::getText)
        .contains(tuple(HEADING, 1, "Lighthouse keeping"), tuple(HEADING, 2, "Lamps"));
  }

  @Test
  void textThatOnlyLooksALittleLikeMarkdownStaysPlainText() throws Exception {
    String prose = """
        Shopping list for the lighthouse

        1. lamp oil
        2. wicks
        #lighthouse #keeping
        Remember: the boat leaves at six.
        """;
    String script = """
        # settings for the lamp controller
        interval = 30;

        # how bright, in percent
        def brightness(level):
            return level * 2;

        # done
        """;
    String named = "# Lighthouse keeping\n\n## Lamps\n\n- Fresnel lenses\n";

    assertThat(EXTRACTOR.extract(utf8(prose), null, null).contentType()).isEqualTo("text/plain");
    assertThat(EXTRACTOR.extract(utf8(script), "text/plain", null).contentType()).isEqualTo("text/plain");
    assertThat(EXTRACTOR.extract(utf8(named), null, "notes.txt").contentType()).as("the sender said .txt")
        .isEqualTo("text/plain");
  }

  @Test
  void fenceInfoStringsAndHtmlLanguageClassesAreKeptAsBlockLanguages() throws Exception {
    String markdown = """
        # Clients

        ```java
        class A {}
        ```

        ```Py title="store.py"
        def get(): pass
        ```

        ```
        no language
        ```

            indented code
        """;

    Extraction extraction = EXTRACTOR.extract(utf8(markdown), null, "clients.md");

    // the info string's first word, lower-cased; an unfenced or bare fence declares none
    assertThat(extraction.blocks()).extracting(Block::getKind, Block::getText, Block::getLanguage).containsExactly(
        tuple(HEADING, "Clients", null), tuple(CODE, "class A {}", "java"), tuple(CODE, "def get(): pass", "py"),
        tuple(CODE, "no language", null), tuple(CODE, "indented code", null));
    assertThat(extraction.metadata()).as("the languages travel in the blocks, not the document's metadata")
        .doesNotContainKeys("block.1.language", "block.2.language");
    Extraction kotlin = EXTRACTOR.extract(utf8(markdown.replace("```java", "```kotlin")), null, "clients.md");
    assertThat(kotlin.blocks()).extracting(Block::getKind, Block::getText)
        .isEqualTo(extraction.blocks().stream().map(b -> tuple(b.getKind(), b.getText())).toList());
    assertThat(kotlin.blocks().get(1).getLanguage()).isEqualTo("kotlin");
    assertThat(kotlin.contentHash()).as("a fence's language is part of the content").isNotEqualTo(
        extraction.contentHash());

    String html = "<html><body><pre><code class=\"hljs language-TypeScript\">let a = 1;</code></pre>"
        + "<pre class=\"lang-go\">func f() {}</pre><pre><code class=\"hljs\">plain</code></pre>"
        + "<p>inline <code class=\"language-c\">x++</code> code</p></body></html>";
    Extraction page = EXTRACTOR.extract(utf8(html), "text/html", "page.html");
    // inline code is no block, so its class names no block's language
    assertThat(page.blocks()).extracting(Block::getKind, Block::getText, Block::getLanguage).containsExactly(
        tuple(CODE, "let a = 1;", "typescript"), tuple(CODE, "func f() {}", "go"), tuple(CODE, "plain", null),
        tuple(PARAGRAPH, "inline x++ code", null));
  }

  @Test
  void equalTextGivesEqualHashWhateverTheFormat() throws Exception {
    Extraction html = EXTRACTOR.extract(utf8("<html><body><h1>Owls</h1><p>They hunt at night.</p></body></html>"),
        "text/html", null);
    Extraction markdown = EXTRACTOR.extract(utf8("# Owls\n\nThey hunt   at night.\n"), "text/markdown", null);
    Extraction edited = EXTRACTOR.extract(utf8("# Owls\n\nThey hunt at dawn.\n"), "text/markdown", null);
    Extraction demoted = EXTRACTOR.extract(utf8("## Owls\n\nThey hunt at night.\n"), "text/markdown", null);

    assertThat(html.contentHash()).matches("[0-9a-f]{64}").isEqualTo(markdown.contentHash());
    assertThat(EXTRACTOR.extract(utf8(HTML), null, "a.html").contentHash())
        .isEqualTo(EXTRACTOR.extract(utf8(HTML), null, "b.html").contentHash());
    assertThat(edited.contentHash()).isNotEqualTo(markdown.contentHash());
    assertThat(demoted.contentHash()).isNotEqualTo(markdown.contentHash());
  }

  @Test
  void randomBytesDeclaredAsPdfAreCorrupt() {
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);

    ExtractionException failure = catchThrowableOfType(ExtractionException.class,
        () -> EXTRACTOR.extract(noise, "application/pdf", "scan.pdf"));

    assertThat(failure.reason()).isEqualTo(Reason.CORRUPT);
    assertThat(failure.getMessage()).contains("application/pdf", "scan.pdf", "caused by");
    assertThat(failure.getCause()).isNotNull();
  }

  @Test
  void docxTruncatedInsideItsBodyIsCorrupt() {
    byte[] docx = Fixtures.docx("Heading", "Body", List.of("a"), "b", List.of(List.of("x")));
    // Tika salvages a zip cut after word/document.xml, so the cut has to fall inside that entry
    int body = new String(docx, StandardCharsets.ISO_8859_1).indexOf("word/document.xml");
    byte[] truncated = Arrays.copyOf(docx, body + 100);

    ExtractionException failure = catchThrowableOfType(ExtractionException.class,
        () -> EXTRACTOR.extract(truncated, null, "cut.docx"));

    assertThat(failure.reason()).isEqualTo(Reason.CORRUPT);
    assertThat(failure.getMessage()).contains("cut.docx");
  }

  @Test
  void passwordProtectedPdfIsEncrypted() {
    ExtractionException failure = catchThrowableOfType(ExtractionException.class,
        () -> EXTRACTOR.extract(Fixtures.encryptedPdf("classified"), null, "locked.pdf"));

    assertThat(failure.reason()).isEqualTo(Reason.ENCRYPTED);
  }

  @Test
  void oversizedInputIsRejectedBeforeParsing() {
    try (TikaExtractor small = new TikaExtractor(ExtractLimits.DEFAULTS.withMaxBytes(1024))) {
      assertThatThrownBy(() -> small.extract(new byte[1025], "text/plain", "big.txt"))
          .isInstanceOfSatisfying(ExtractionException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
            assertThat(e.getMessage()).contains("1025", "1024");
          });
    }
  }

  @Test
  void zeroBytesAndTextlessDocumentsAreEmpty() {
    assertThatThrownBy(() -> EXTRACTOR.extract(new byte[0], null, "nothing.txt"))
        .isInstanceOfSatisfying(ExtractionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY));
    byte[] onlyScript = utf8("<html><body><script>alert(1)</script>  </body></html>");
    assertThatThrownBy(() -> EXTRACTOR.extract(onlyScript, "text/html", null))
        .isInstanceOfSatisfying(ExtractionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.EMPTY));
  }

  @Test
  void writeLimitKeepsTheTextSoFarAndMarksItTruncated() throws Exception {
    StringBuilder html = new StringBuilder("<html><body><h1>Long</h1>");
    for (int i = 0; i < 200; i++) {
      html.append("<p>paragraph number ").append(i).append("</p>");
    }
    try (TikaExtractor limited = new TikaExtractor(ExtractLimits.DEFAULTS.withWriteLimitChars(60))) {
      Extraction extraction = limited.extract(utf8(html.append("</body></html>").toString()), "text/html", null);

      assertThat(extraction.truncated()).isTrue();
      assertThat(extraction.metadata()).containsEntry(Extraction.TRUNCATED, "true");
      assertThat(extraction.blocks()).first().extracting(Block::getKind, Block::getText)
          .containsExactly(HEADING, "Long");
      assertThat(extraction.blocks()).extracting(Block::getText).contains("paragraph number 0")
          .noneMatch(text -> text.contains("number 199"));
      assertThat(extraction.blocks().stream().mapToInt(b -> b.getText().length()).sum()).isLessThanOrEqualTo(60);
    }
  }

  @Test
  void slowParseTimesOut() {
    StringBuilder html = new StringBuilder("<html><body>");
    for (int i = 0; i < 50_000; i++) {
      html.append("<p>paragraph ").append(i).append(" of a very long page</p>");
    }
    byte[] page = utf8(html.append("</body></html>").toString());
    try (TikaExtractor impatient = new TikaExtractor(ExtractLimits.DEFAULTS.withParseTimeout(Duration.ofMillis(1)))) {
      assertThatThrownBy(() -> impatient.extract(page, "text/html", "long.html"))
          .isInstanceOfSatisfying(ExtractionException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT));
    }
  }

  @Test
  void limitsAreValidated() {
    assertThatThrownBy(() -> new ExtractLimits(0, Duration.ofSeconds(1), 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBytes");
    assertThatThrownBy(() -> ExtractLimits.DEFAULTS.withParseTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parseTimeout");
    assertThatThrownBy(() -> ExtractLimits.DEFAULTS.withWriteLimitChars(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeLimitChars");
  }
}
