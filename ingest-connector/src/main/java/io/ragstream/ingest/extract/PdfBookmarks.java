package io.ragstream.ingest.extract;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.interactive.action.PDAction;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionGoTo;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDNamedDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.destination.PDPageDestination;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDDocumentOutline;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineItem;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PDF's outline (its bookmarks) as headings. Tika's XHTML for a PDF is pages of paragraphs without headings, and
 * writes the outline only as a list after the last page, so the chunker would see neither sections nor where they
 * start. The outline is the author's own table of contents: each item becomes a heading whose level is its depth in
 * the outline, placed on its destination page where the page's text starts with the item's title (the heading line
 * itself), else at the start of that page.
 *
 * <p>The outline is an enrichment: a PDF without one is extracted as before, and a bookmark that cannot be resolved
 * (a missing page, a destination of the wrong type, a broken named destination) is left out, with a warning, rather
 * than failing a document whose text is fine.
 */
final class PdfBookmarks {
  private static final Logger LOG = LoggerFactory.getLogger(PdfBookmarks.class);

  /** Block headings go to level 6 (as HTML's h1-h6); deeper outline items are headings of level 6. */
  static final int MAX_LEVEL = 6;
  /** Far more than any real outline has; bounds the work a hostile outline can cause. */
  static final int MAX_ITEMS = 10_000;

  private static final Pattern WHITESPACE = Pattern.compile("[\\s\\u00A0\\u2007\\u202F]+");

  /**
   * One outline item.
   *
   * @param level its depth in the outline, 1 for top-level items, at most {@link #MAX_LEVEL}
   * @param title its title, whitespace collapsed
   * @param page the 0-based index of its destination page
   */
  record Bookmark(int level, String title, int page) {}

  private PdfBookmarks() {}

  /**
   * The outline items of a PDF in document order (by page, outline order within a page), each with a resolved page;
   * empty when there is no outline or it cannot be read.
   *
   * @param sourceName for the warnings only; may be null
   */
  static List<Bookmark> read(byte[] pdf, String sourceName) {
    try (PDDocument document = Loader.loadPDF(pdf)) {
      PDDocumentOutline outline = document.getDocumentCatalog().getDocumentOutline();
      if (outline == null) {
        return List.of();
      }
      List<Item> items = new ArrayList<>();
      walk(document, outline, 1, items, Collections.newSetFromMap(new IdentityHashMap<>()), sourceName);
      return resolve(items);
    } catch (IOException e) {
      // Tika reports an unreadable or encrypted PDF itself, with its own classification; here it only means no
      // outline, and the parse that follows decides the document's fate
      LOG.warn("cannot read the outline of {}; extracting it without bookmark headings: {}", describe(sourceName),
          e.toString());
      return List.of();
    }
  }

  /**
   * How many pages the PDF has (to hold the OCR page cap), or 0 when PDFBox cannot read it: Tika then reports the
   * unreadable PDF itself, with its own classification.
   */
  static int pageCount(byte[] pdf) {
    try (PDDocument document = Loader.loadPDF(pdf)) {
      return document.getNumberOfPages();
    } catch (IOException e) {
      return 0;
    }
  }

  /** An outline item before resolution: page -1 when its destination is not a page of this document. */
  private record Item(int level, String title, int page) {}

  private static void walk(PDDocument document, PDOutlineNode node, int depth, List<Item> into,
      Set<COSDictionary> seen, String sourceName) {
    for (PDOutlineItem item : node.children()) {
      // PDFBox follows /Next links as they are; a malformed outline can link back to an item already read
      if (into.size() >= MAX_ITEMS || !seen.add(item.getCOSObject())) {
        return;
      }
      String title = item.getTitle() == null ? "" : WHITESPACE.matcher(item.getTitle()).replaceAll(" ").strip();
      int page = pageIndex(document, item, sourceName);
      if (!title.isEmpty()) {
        into.add(new Item(Math.min(depth, MAX_LEVEL), title, page));
      }
      walk(document, item, depth + 1, into, seen, sourceName);
    }
  }

  /**
   * The 0-based index of an item's destination page, from its /Dest or its GoTo action, direct or named; -1 when
   * it has none or it is not a page of this document. {@link PDOutlineItem#findDestinationPage} does the same but
   * throws on a page number past the last page, which malformed PDFs have.
   */
  private static int pageIndex(PDDocument document, PDOutlineItem item, String sourceName) {
    try {
      PDDestination destination = item.getDestination();
      if (destination == null) {
        PDAction action = item.getAction();
        if (action instanceof PDActionGoTo goTo) {
          destination = goTo.getDestination();
        }
      }
      if (destination instanceof PDNamedDestination named) {
        destination = document.getDocumentCatalog().findNamedDestinationPage(named);
        if (destination == null) {
          LOG.warn("bookmark \"{}\" of {} points to the named destination \"{}\", which the document does not define;"
              + " left out", item.getTitle(), describe(sourceName), named.getNamedDestination());
        }
      }
      if (destination instanceof PDPageDestination pageDestination) {
        // looked up in this document's page tree: retrievePageNumber() trusts the page's own /Parent chain, which
        // makes a page outside the tree "page 0"
        PDPage target = pageDestination.getPage();
        int page = target != null ? document.getPages().indexOf(target) : pageDestination.getPageNumber();
        if (page >= 0 && page < document.getNumberOfPages()) {
          return page;
        }
        LOG.warn("bookmark \"{}\" of {} points to {}, which is not a page of the document; left out",
            item.getTitle(), describe(sourceName), page < 0 ? "a page outside its page tree" : "page index " + page);
      }
      return -1;
    } catch (IOException e) {
      LOG.warn("bookmark \"{}\" of {} has a destination that cannot be read; left out: {}", item.getTitle(),
          describe(sourceName), e.toString());
      return -1;
    }
  }

  /**
   * Gives an item without a page of its own (a "Part I" that only groups chapters) the page of its first descendant
   * that has one, so the group still names its chapters; drops it when none has. Then orders by page, stably: the
   * text comes in page order, and an outline is not always in it.
   */
  private static List<Bookmark> resolve(List<Item> items) {
    List<Bookmark> bookmarks = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      int page = item.page();
      for (int d = i + 1; page < 0 && d < items.size() && items.get(d).level() > item.level(); d++) {
        page = items.get(d).page();
      }
      if (page >= 0) {
        bookmarks.add(new Bookmark(item.level(), item.title(), page));
      }
    }
    bookmarks.sort(Comparator.comparingInt(Bookmark::page));
    return List.copyOf(bookmarks);
  }

  /**
   * Inserts the bookmarks as headings into a PDF's blocks.
   *
   * <p>Within its page, a bookmark goes where its title (case and spacing aside) starts a paragraph or follows the
   * end of a sentence: that is the heading line, which PDF text extraction often runs together with the lines around
   * it into one paragraph. The title's text becomes the heading; the text before and after it stays paragraphs. A
   * title in the middle of a sentence is a mention ("as in 2 Methods"), not the heading, and is not taken. A title
   * found nowhere on the page puts the heading at the start of the page (after the page's earlier bookmarks): the
   * destination is on that page, and without a match that is the nearest place known to be before it. Bookmarks of
   * a page past the extracted text (the write limit cut it short) are left out.
   *
   * @param blocks the blocks in document order
   * @param pages for each block, the 0-based index of the page it came from (-1 before the first page)
   * @param pageCount how many pages the extracted text has
   * @param bookmarks from {@link #read}, in page order
   */
  static List<Block> insert(List<Block> blocks, List<Integer> pages, int pageCount, List<Bookmark> bookmarks) {
    if (blocks.size() != pages.size()) {
      throw new IllegalArgumentException(blocks.size() + " blocks but " + pages.size() + " page numbers");
    }
    List<Block> out = new ArrayList<>(blocks.size() + bookmarks.size());
    int next = 0; // the next block to copy
    int b = 0; // the next bookmark to place
    while (b < bookmarks.size()) {
      int page = bookmarks.get(b).page();
      if (page >= pageCount) {
        break;
      }
      while (next < blocks.size() && pages.get(next) < page) {
        out.add(blocks.get(next++));
      }
      int end = next;
      while (end < blocks.size() && pages.get(end) == page) {
        end++;
      }
      List<Block> pageBlocks = new ArrayList<>(blocks.subList(next, end));
      int cursor = 0;
      for (; b < bookmarks.size() && bookmarks.get(b).page() == page; b++) {
        cursor = place(pageBlocks, cursor, bookmarks.get(b));
      }
      out.addAll(pageBlocks);
      next = end;
    }
    out.addAll(blocks.subList(next, blocks.size()));
    return out;
  }

  /** Places one bookmark in its page's blocks at or after {@code cursor}; returns where the next one may go. */
  private static int place(List<Block> pageBlocks, int cursor, Bookmark bookmark) {
    Block heading = Block.newBuilder().setKind(BlockKind.HEADING).setLevel(bookmark.level())
        .setText(bookmark.title()).build();
    Pattern title = titlePattern(bookmark.title());
    for (int i = cursor; i < pageBlocks.size(); i++) {
      Block block = pageBlocks.get(i);
      if (block.getKind() != BlockKind.PARAGRAPH) {
        continue;
      }
      Matcher match = title.matcher(block.getText());
      if (match.find()) {
        String before = block.getText().substring(0, match.start()).strip();
        String rest = block.getText().substring(match.end()).strip();
        int at = i;
        pageBlocks.remove(i);
        if (!before.isEmpty()) {
          pageBlocks.add(at++, Block.newBuilder(block).setText(before).build());
        }
        pageBlocks.add(at++, heading);
        if (!rest.isEmpty()) {
          pageBlocks.add(at, Block.newBuilder(block).setText(rest).build());
        }
        return at;
      }
    }
    pageBlocks.add(cursor, heading);
    return cursor + 1;
  }

  /**
   * The title's words in order, any whitespace between them, ignoring case, at the start of the text or after the end
   * of a sentence, and ending at a word boundary.
   */
  private static Pattern titlePattern(String title) {
    List<String> words = new ArrayList<>();
    for (String word : title.split(" ")) {
      words.add(Pattern.quote(word));
    }
    String startOfSentence = "(?:^|(?<=[.!?:;][\"'\u201D\u2019)]?\\s))";
    // "2 Method" must not take the start of "2 Methods"
    String endOfWord = "(?![\\p{L}\\p{N}])";
    return Pattern.compile(startOfSentence + String.join("\\s+", words) + endOfWord,
        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  private static String describe(String sourceName) {
    return sourceName == null || sourceName.isBlank() ? "a PDF" : sourceName;
  }
}
