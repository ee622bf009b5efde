package io.ragstream.ingest.extract;

import static io.ragstream.schemas.avro.BlockKind.HEADING;
import static io.ragstream.schemas.avro.BlockKind.PARAGRAPH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ragstream.ingest.extract.PdfBookmarks.Bookmark;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.cos.COSInteger;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentNameDictionary;
import org.apache.pdfbox.pdmodel.PDDestinationNameTreeNode;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionGoTo;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDNamedDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDPageDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDPageFitDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDPageXYZDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDDocumentOutline;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineItem;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A PDF's outline (bookmarks) becomes headings where its items' destinations start. */
class PdfBookmarksTest {

  private static final TikaExtractor EXTRACTOR = new TikaExtractor();

  /** Four pages; Tika runs each page's lines into one paragraph, as it does with real PDFs' heading lines. */
  private static final List<List<String>> GUIDE = List.of(
      List.of("Field Guide", "A guide to the birds of the northern forests."),
      List.of("1 Owls", "Owls hunt at night with silent feathers.", "1.1 Barn owl", "The barn owl nests in old barns."),
      List.of("Snowy owls winter on open ground far from the forest."),
      List.of("2 Woodpeckers", "Woodpeckers drum on dead trees."));

  @AfterAll
  static void close() {
    EXTRACTOR.close();
  }

  @Test
  void nestedOutlineItemsBecomeHeadingsAtTheirTitlesWithTheirDepthAsLevel() throws Exception {
    byte[] pdf = Fixtures.pdf(null, GUIDE, doc -> {
      PDDocumentOutline outline = outline(doc);
      PDOutlineItem guide = item(outline, "Field Guide", fit(doc.getPage(0)));
      PDOutlineItem owls = item(guide, "1 Owls", null);
      PDActionGoTo goTo = new PDActionGoTo();
      goTo.setDestination(fit(doc.getPage(1)));
      owls.setAction(goTo);
      item(owls, "1.1 Barn owl", new PDNamedDestination("barn-owl"));
      PDPageXYZDestination snowy = new PDPageXYZDestination();
      snowy.setPage(doc.getPage(2));
      snowy.setTop(700);
      item(owls, "1.2 Snowy owl", snowy);
      item(guide, "2 Woodpeckers", fit(doc.getPage(3)));
      PDPageFitDestination nowhere = new PDPageFitDestination();
      nowhere.setPageNumber(99);
      item(outline, "Appendix", nowhere);
      named(doc, Map.of("barn-owl", fit(doc.getPage(1))));
    });

    Extraction extraction = EXTRACTOR.extract(pdf, null, "guide.pdf");

    assertThat(extraction.blocks()).extracting(Block::getKind, Block::getLevel, Block::getText).containsExactly(
        tuple(HEADING, 1, "Field Guide"),
        tuple(PARAGRAPH, 0, "A guide to the birds of the northern forests."),
        tuple(HEADING, 2, "1 Owls"),
        tuple(PARAGRAPH, 0, "Owls hunt at night with silent feathers."),
        tuple(HEADING, 3, "1.1 Barn owl"),
        tuple(PARAGRAPH, 0, "The barn owl nests in old barns."),
        // its title is not on its page: the heading starts the page
        tuple(HEADING, 3, "1.2 Snowy owl"),
        tuple(PARAGRAPH, 0, "Snowy owls winter on open ground far from the forest."),
        tuple(HEADING, 2, "2 Woodpeckers"),
        tuple(PARAGRAPH, 0, "Woodpeckers drum on dead trees."));
    // the only top-level bookmark names the document; Tika no longer lists the titles after the last page
    assertThat(extraction.title()).isEqualTo("Field Guide");
    assertThat(extraction.contentHash()).isEqualTo(Extraction.hashOf(extraction.blocks()));
  }

  @Test
  void severalTopLevelBookmarksAreChaptersAndAGroupWithoutDestinationTakesItsFirstChildsPlace() throws Exception {
    byte[] pdf = Fixtures.pdf(null, List.of(List.of("Intro", "Why birds matter."), List.of("Counting is hard.")),
        doc -> {
          PDDocumentOutline outline = outline(doc);
          PDOutlineItem part = item(outline, "Part I", null);
          item(part, "Intro", fit(doc.getPage(0)));
          item(outline, "Methods", fit(doc.getPage(1)));
        });

    Extraction extraction = EXTRACTOR.extract(pdf, null, "paper.pdf");

    assertThat(extraction.blocks()).extracting(Block::getKind, Block::getLevel, Block::getText).containsExactly(
        tuple(HEADING, 1, "Part I"),
        tuple(HEADING, 2, "Intro"),
        tuple(PARAGRAPH, 0, "Why birds matter."),
        tuple(HEADING, 1, "Methods"),
        tuple(PARAGRAPH, 0, "Counting is hard."));
    assertThat(extraction.title()).isNull();
  }

  @Test
  void aPdfWithoutOutlineIsExtractedAsBefore() throws Exception {
    Extraction extraction = EXTRACTOR.extract(Fixtures.pdf("Guide", GUIDE), null, "plain.pdf");

    assertThat(extraction.blocks()).extracting(Block::getKind).containsOnly(PARAGRAPH);
    assertThat(extraction.blocks()).extracting(Block::getText).containsExactly(
        "Field Guide A guide to the birds of the northern forests.",
        "1 Owls Owls hunt at night with silent feathers. 1.1 Barn owl The barn owl nests in old barns.",
        "Snowy owls winter on open ground far from the forest.",
        "2 Woodpeckers Woodpeckers drum on dead trees.");
    assertThat(extraction.title()).isEqualTo("Guide");
  }

  @Test
  void brokenBookmarksAreLeftOutAndTheDocumentStillExtracts() throws Exception {
    byte[] pdf = Fixtures.pdf("Guide", GUIDE, doc -> {
      PDDocumentOutline outline = outline(doc);
      item(outline, "1 Owls", fit(doc.getPage(1)));
      // a destination that is no destination at all
      PDOutlineItem garbage = item(outline, "Garbage", null);
      garbage.getCOSObject().setItem(COSName.DEST, COSInteger.get(7));
      // a page that is not in the document's page tree
      item(outline, "Orphan", fit(new PDPage()));
      // a named destination the document does not define
      item(outline, "Unnamed", new PDNamedDestination("nowhere"));
      // an item whose next sibling and first child are itself
      PDOutlineItem loop = item(outline, "2 Woodpeckers", fit(doc.getPage(3)));
      loop.getCOSObject().setItem(COSName.NEXT, loop);
      loop.getCOSObject().setItem(COSName.FIRST, loop);
    });

    Extraction extraction = EXTRACTOR.extract(pdf, null, "broken.pdf");

    assertThat(extraction.blocks()).filteredOn(b -> b.getKind() == HEADING).extracting(Block::getText)
        .containsExactly("1 Owls", "2 Woodpeckers");
    assertThat(String.join(" ", extraction.blocks().stream().map(Block::getText).toList()))
        .contains("A guide to the birds", "1.1 Barn owl The barn owl nests", "Snowy owls winter",
            "Woodpeckers drum on dead trees.")
        .doesNotContain("Garbage", "Orphan", "Unnamed");
  }

  @Test
  void anUnreadablePdfHasNoBookmarks() {
    assertThat(PdfBookmarks.read(new byte[] {1, 2, 3}, "noise.pdf")).isEmpty();
  }

  @Test
  void aTitleInTheMiddleOfASentenceIsAMentionNotTheHeading() {
    List<Block> blocks = List.of(para("As shown in 2 Methods we count birds."), para("More text. 2 Methods follow."));

    List<Block> out = PdfBookmarks.insert(blocks, List.of(0, 0), 1, List.of(new Bookmark(1, "2 Methods", 0)));

    assertThat(out).extracting(Block::getKind, Block::getText).containsExactly(
        tuple(PARAGRAPH, "As shown in 2 Methods we count birds."),
        tuple(PARAGRAPH, "More text."),
        tuple(HEADING, "2 Methods"),
        tuple(PARAGRAPH, "follow."));
  }

  @Test
  void aPageWithoutTextStillGetsItsHeadingAndBookmarksPastTheTextAreLeftOut() {
    List<Block> blocks = List.of(para("First page."), para("Third page."));

    List<Block> out = PdfBookmarks.insert(blocks, List.of(0, 2), 3, List.of(new Bookmark(1, "Figures", 1),
        new Bookmark(2, "Chapter", 2), new Bookmark(1, "Cut off", 3)));

    assertThat(out).extracting(Block::getKind, Block::getLevel, Block::getText).containsExactly(
        tuple(PARAGRAPH, 0, "First page."),
        tuple(HEADING, 1, "Figures"),
        tuple(HEADING, 2, "Chapter"),
        tuple(PARAGRAPH, 0, "Third page."));
  }

  @Test
  void titlesMatchAcrossCaseAndSpacingButOnlyWholeWords() {
    List<Block> blocks = List.of(para("2 METHODSOLOGY is not it."), para("2  METHODS We count."));

    List<Block> out = PdfBookmarks.insert(blocks, List.of(0, 0), 1, List.of(new Bookmark(1, "2 Methods", 0)));

    assertThat(out).extracting(Block::getKind, Block::getText).containsExactly(
        tuple(PARAGRAPH, "2 METHODSOLOGY is not it."),
        tuple(HEADING, "2 Methods"),
        tuple(PARAGRAPH, "We count."));
  }

  private static Block para(String text) {
    return Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(text).build();
  }

  private static PDDocumentOutline outline(PDDocument doc) {
    PDDocumentOutline outline = new PDDocumentOutline();
    doc.getDocumentCatalog().setDocumentOutline(outline);
    return outline;
  }

  private static PDOutlineItem item(PDOutlineNode parent, String title,
      org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDDestination destination) {
    PDOutlineItem item = new PDOutlineItem();
    item.setTitle(title);
    if (destination != null) {
      item.setDestination(destination);
    }
    parent.addLast(item);
    return item;
  }

  private static PDPageDestination fit(PDPage page) {
    PDPageFitDestination destination = new PDPageFitDestination();
    destination.setPage(page);
    return destination;
  }

  private static void named(PDDocument doc, Map<String, PDPageDestination> destinations) {
    PDDestinationNameTreeNode tree = new PDDestinationNameTreeNode();
    tree.setNames(destinations);
    PDDocumentNameDictionary names = new PDDocumentNameDictionary(doc.getDocumentCatalog());
    names.setDests(tree);
    doc.getDocumentCatalog().setNames(names);
  }
}
