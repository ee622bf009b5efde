package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.body;
import static io.ragstream.chunker.TopologyHarness.doc;
import static io.ragstream.chunker.TopologyHarness.heading;
import static io.ragstream.chunker.TopologyHarness.item;
import static io.ragstream.chunker.TopologyHarness.para;
import static io.ragstream.chunker.TopologyHarness.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.Chunk;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Structured documents through the topology: heading paths and prefixes, merged tiny sections, lists, tables. */
class StructuredDocumentTopologyTest {
  private TopologyHarness harness;

  private List<Chunk> chunk(int target, Block... blocks) {
    return chunk(target, "Guide", List.of(blocks));
  }

  private List<Chunk> chunk(int target, String title, List<Block> blocks) {
    harness = new TopologyHarness(TopologyHarness.config(target, true));
    return harness.chunk(doc("doc-1", "h", title, "guide.md", blocks));
  }

  @AfterEach
  void close() {
    harness.close();
  }

  @Test
  void eachChunkStartsWithItsHeadingPathLedByTheTitle() {
    List<Chunk> out = chunk(128,
        heading(1, "Install"), para("Run the installer and read everything it prints."),
        heading(2, "Linux"), para("On Linux the package manager does the whole job."));

    assertThat(out).extracting(Chunk::getText).containsExactly(
        "Guide › Install\n\nRun the installer and read everything it prints.",
        "Guide › Install › Linux\n\nOn Linux the package manager does the whole job.");
    assertThat(out).extracting(Chunk::getHeadings).containsExactly(List.of("Install"), List.of("Install", "Linux"));
  }

  /**
   * The blocks the extractor makes of a PDF with a nested outline (PdfBookmarksTest in ingest-connector): a heading
   * per bookmark, its level the bookmark's depth, and the title taken from the only top-level bookmark.
   */
  @Test
  void pdfBookmarkHeadingsGiveChunksTheirPathsAndBoundaries() {
    List<Chunk> out = chunk(128, "Field Guide", List.of(
        heading(1, "Field Guide"), para("A guide to the birds that live in the northern forests all year round."),
        heading(2, "1 Owls"), para("Owls hunt at night with silent feathers and find their prey by ear."),
        heading(3, "1.1 Barn owl"), para("The barn owl nests in old barns and church towers near open fields."),
        heading(3, "1.2 Snowy owl"), para("Snowy owls winter on open ground far from the forest, hunting by day."),
        heading(2, "2 Woodpeckers"), para("Woodpeckers drum on dead trees to mark their territory in spring.")));

    assertThat(out).extracting(Chunk::getHeadings).containsExactly(
        List.of("Field Guide"),
        List.of("Field Guide", "1 Owls"),
        List.of("Field Guide", "1 Owls", "1.1 Barn owl"),
        List.of("Field Guide", "1 Owls", "1.2 Snowy owl"),
        List.of("Field Guide", "2 Woodpeckers"));
    assertThat(out.get(3).getText()).isEqualTo("Field Guide › 1 Owls › 1.2 Snowy owl\n\n"
        + "Snowy owls winter on open ground far from the forest, hunting by day.");
    assertThat(out.get(4).getText()).startsWith("Field Guide › 2 Woodpeckers\n\nWoodpeckers drum");
  }

  @Test
  void aTitleThatIsAlsoTheFirstHeadingIsNotRepeated() {
    List<Chunk> out = chunk(128, heading(1, "Guide"), heading(2, "Alpha"),
        para("Alpha section: the history of medieval castles in Scotland."));

    assertThat(out).extracting(Chunk::getText)
        .containsExactly("Guide › Alpha\n\nAlpha section: the history of medieval castles in Scotland.");
  }

  @Test
  void tinyAdjacentSectionsMergeKeepingTheirHeadingsAsLines() {
    List<Chunk> out = chunk(128, "Deck", List.of(heading(1, "Welcome"), para("Hello"), heading(1, "Agenda"),
        para("Talks"), heading(1, "Results"), para("The results section is long enough to stand on its own.")));

    assertThat(out).extracting(Chunk::getText).containsExactly(
        "Deck\n\nWelcome\n\nHello\n\nAgenda\n\nTalks\n\nResults\n\n"
            + "The results section is long enough to stand on its own.");
    assertThat(out.getFirst().getHeadings()).isEmpty();
  }

  @Test
  void sheetsAreSections() {
    List<Chunk> out = chunk(128, "Book", List.of(
        heading(1, "Sheet1"), table(List.of(List.of("Number", "Square"), List.of("2", "4"), List.of("3", "9"),
            List.of("4", "16"), List.of("5", "25"), List.of("6", "36"))),
        heading(1, "Sheet2"), table(List.of(List.of("City", "Country"), List.of("Oslo", "Norway"),
            List.of("Lisbon", "Portugal"), List.of("Madrid", "Spain"), List.of("Rome", "Italy")))));

    assertThat(out).extracting(Chunk::getText).containsExactly(
        "Book › Sheet1\n\n| Number | Square |\n| 2 | 4 |\n| 3 | 9 |\n| 4 | 16 |\n| 5 | 25 |\n| 6 | 36 |",
        "Book › Sheet2\n\n| City | Country |\n| Oslo | Norway |\n| Lisbon | Portugal |\n| Madrid | Spain |\n| Rome | Italy |");
    assertThat(out).allSatisfy(c -> assertThat(c.getMetadata()).containsEntry(DocumentChunker.KIND, "table"));
  }

  @Test
  void aListStaysWithTheSentenceThatLeadsIntoIt() {
    List<Chunk> out = chunk(32, heading(1, "Setup"),
        para("The tool needs a few things before it can run at all. Install these packages first:"),
        item("a Java runtime of version 21 or later"), item("a running Kafka broker somewhere"),
        item("enough disk space for the index"));

    assertThat(out).hasSize(2);
    assertThat(body(out.get(0))).isEqualTo("The tool needs a few things before it can run at all.");
    assertThat(body(out.get(1))).isEqualTo("Install these packages first:\n- a Java runtime of version 21 or later\n"
        + "- a running Kafka broker somewhere\n- enough disk space for the index");
  }

  @Test
  void aListTooLargeForOneChunkRepeatsItsLeadInInEveryPart() {
    List<Block> blocks = new ArrayList<>(List.of(heading(1, "Setup"), para("Check every one of these:")));
    for (int i = 0; i < 60; i++) {
      blocks.add(item("item number " + i + " of the long checklist of things to verify"));
    }
    List<Chunk> out = chunk(64, "Guide", blocks);

    assertThat(out.size()).isGreaterThan(3);
    assertThat(out).allSatisfy(c -> assertThat(c.getText()).startsWith("Guide › Setup\n\nCheck every one of these:"));
    assertThat(out).allSatisfy(c -> assertThat(c.getTokenCount()).isLessThanOrEqualTo(254));
    String items = String.join("\n", out.stream().map(TopologyHarness::body).toList());
    for (int i = 0; i < 60; i++) {
      assertThat(items).containsOnlyOnce("- item number " + i + " of");
    }
  }

  @Test
  void aTableThatFitsStaysWholeEvenPastTheTarget() {
    List<List<String>> rows = new ArrayList<>(List.of(List.of("Element", "Symbol", "Atomic number")));
    for (int i = 0; i < 12; i++) {
      rows.add(List.of("element " + i, "E" + i, Integer.toString(i)));
    }
    List<Chunk> out = chunk(32, heading(1, "Elements"), table(rows));

    assertThat(out).hasSize(1);
    assertThat(out.getFirst().getTokenCount()).isGreaterThan(32).isLessThanOrEqualTo(254);
  }

  @Test
  void aLargeTableSplitsByRowsWithTheHeaderRowRepeated() {
    List<List<String>> rows = new ArrayList<>(List.of(List.of("Element", "Symbol", "Atomic number")));
    for (int i = 0; i < 80; i++) {
      rows.add(List.of("element " + i, "E" + i, Integer.toString(i)));
    }
    List<Chunk> out = chunk(64, heading(1, "Elements"), table(rows));

    assertThat(out.size()).isGreaterThan(3);
    assertThat(out).allSatisfy(c -> {
      assertThat(c.getText()).startsWith("Guide › Elements\n\n| Element | Symbol | Atomic number |\n| element ");
      assertThat(c.getTokenCount()).isLessThanOrEqualTo(64 + 10);
    });
    List<String> bodyRows = out.stream().flatMap(c -> body(c).lines()).filter(l -> l.startsWith("| element"))
        .toList();
    assertThat(bodyRows).hasSize(80).doesNotHaveDuplicates();
  }
}
