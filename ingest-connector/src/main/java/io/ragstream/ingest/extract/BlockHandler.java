package io.ragstream.ingest.extract;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.tika.exception.WriteLimitReachedException;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Turns Tika's XHTML SAX events into {@link Block}s. One instance per document; not thread-safe.
 *
 * <p>Text that sits in no block element (directly in body or a div, as Tika's PDF pages and many HTML pages have it)
 * becomes a paragraph at the next block boundary, so nothing is lost. Inside a heading, paragraph or list item, block
 * elements only separate words: a list item's {@code <p>} or a DOCX table cell's paragraphs stay one block. Tika has
 * no {@code <li>} for Word lists; it writes list paragraphs as {@code <p class="list_Paragraph">} (the style name), so
 * a paragraph whose class starts with "list" is a list item, its level taken from a trailing digit in the style name
 * ("List Bullet 2") because Tika does not emit the numbering level.
 *
 * <p>A code block keeps the language it declares ({@code class="language-java"}, as CommonMark writes a fence's info
 * string and as HTML pages mark code for highlighters) in {@link Block#getLanguage}. The handler also records what a
 * {@link Block} has no field for: the page each block comes from (Tika writes each PDF page as
 * {@code <div class="page">}), where {@link PdfBookmarks} places a PDF's outline.
 */
final class BlockHandler extends DefaultHandler {

  private static final Set<String> INLINE = Set.of("a", "abbr", "b", "big", "cite", "del", "dfn", "em", "font", "i",
      "img", "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
      "u", "var");
  private static final Set<String> LISTS = Set.of("ul", "ol", "menu", "dir");
  private static final Set<String> SKIPPED = Set.of("head", "script", "style", "noscript", "template");
  private static final Pattern WHITESPACE = Pattern.compile("[\\s\\u00A0\\u2007\\u202F]+");
  private static final Pattern LEADING_BLANK_LINES = Pattern.compile("\\A([ \\t\\x0B\\f]*\\R)+");
  // Tika writes Word's bullet glyph as text; in a list-styled paragraph "o" and "-" are bullets too
  private static final Pattern LIST_MARKER =
      Pattern.compile("\\A[\\u00B7\\u2022\\u25E6\\u25AA\\u25CF\\uF0B7\\uF0A7\\u00A7o-]\\s+");
  private static final Pattern BULLET = Pattern.compile("\\A[\\u00B7\\u2022\\u25E6\\u25AA\\u25CF\\uF0B7]\\s+");
  private static final Pattern STYLE_LEVEL = Pattern.compile("(\\d)$");

  /** What an open element does to the text inside it. */
  private enum Mode { CONTAINER, BOUNDARY, SEPARATOR, INLINE, LIST, TABLE_PART }

  /** An open element; {@code wordList} marks a list-styled Word paragraph, whose text starts with its bullet. */
  private record Frame(Mode mode, BlockKind kind, int level, boolean wordList) {
    Frame(Mode mode) {
      this(mode, null, 0, false);
    }
  }

  /** Longer first text on a slide (or a sentence) is body text, not a title the slide could be named by. */
  private static final int MAX_SLIDE_TITLE = 100;

  private final int writeLimit;
  /**
   * Set at the start of a slide (Tika writes each as {@code <div class="slide-content">}, with no heading): its first
   * short paragraph, the title placeholder's text, becomes a heading, so each slide is a section for the chunker.
   */
  private boolean slideTitlePending;
  private int slides;
  private final List<Block> blocks = new ArrayList<>();
  private final Deque<Frame> open = new ArrayDeque<>();
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder title = new StringBuilder();
  private int written;
  private int skipDepth;
  private boolean inTitle;
  private int listDepth;

  /** Pages started so far; the current page is {@code pages - 1}. */
  private int pages;
  /** The size of {@link #open} outside the current page's div, or -1 outside a page: pages nest in no page. */
  private int pageDepth = -1;
  private final List<Integer> blockPages = new ArrayList<>();
  /** The language the open code block declares, or null. */
  private String codeLanguage;

  private int tableDepth;
  private List<List<String>> rows;
  private List<String> row;
  private StringBuilder cell;
  private final StringBuilder tableLoose = new StringBuilder();

  BlockHandler(int writeLimit) {
    this.writeLimit = writeLimit;
  }

  /** The blocks so far, including pending text: callable after the parse stopped early at the write limit. */
  List<Block> blocks() {
    if (tableDepth > 0) {
      endTable();
    }
    flush();
    return List.copyOf(blocks);
  }

  /** For each of {@link #blocks()}, the 0-based index of its page; -1 before the first page or without pages. */
  List<Integer> blockPages() {
    return List.copyOf(blockPages);
  }

  /** How many pages the text had ({@code <div class="page">}, as Tika writes PDF pages). */
  int pageCount() {
    return pages;
  }

  /** The text of the {@code <title>} element, or an empty string. */
  String title() {
    return collapse(title);
  }

  @Override
  public void startElement(String uri, String localName, String qName, Attributes atts) throws SAXException {
    checkCancelled();
    String name = name(localName, qName);
    if (name.equals("title")) {
      inTitle = true;
      return;
    }
    if (skipDepth > 0 || SKIPPED.contains(name)) {
      skipDepth++;
      return;
    }
    if (tableDepth > 0) {
      startInTable(name);
      return;
    }
    if (name.equals("div") && "slide-content".equals(atts.getValue("class"))) {
      flush();
      slideTitlePending = true;
      slides++;
    }
    if (name.equals("div") && pageDepth < 0 && "page".equals(atts.getValue("class"))) {
      flush();
      pages++;
      pageDepth = open.size();
    }
    Frame container = innermostContainer();
    Frame frame;
    if (name.equals("br")) {
      frame = new Frame(Mode.INLINE);
      text.append('\n');
    } else if (name.equals("table")) {
      flush();
      tableDepth = 1;
      rows = new ArrayList<>();
      frame = new Frame(Mode.TABLE_PART);
    } else if (LISTS.contains(name) && breaksOut(container)) {
      flush();
      listDepth++;
      frame = new Frame(Mode.LIST);
    } else if (name.equals("li") && breaksOut(container)) {
      flush();
      frame = new Frame(Mode.CONTAINER, BlockKind.LIST_ITEM, Math.max(1, listDepth), false);
    } else if (isHeading(name) && breaksOut(container)) {
      flush();
      frame = new Frame(Mode.CONTAINER, BlockKind.HEADING, name.charAt(1) - '0', false);
    } else if (name.equals("pre") && breaksOut(container)) {
      flush();
      frame = new Frame(Mode.CONTAINER, BlockKind.CODE, 0, false);
      codeLanguage = declaredLanguage(atts.getValue("class"));
    } else if (name.equals("code") && container == null && text.toString().isBlank()) {
      // a standalone <code> is a code block; inside running text it is inline
      flush();
      frame = new Frame(Mode.CONTAINER, BlockKind.CODE, 0, false);
      codeLanguage = declaredLanguage(atts.getValue("class"));
    } else if (INLINE.contains(name) || name.equals("code")) {
      if (name.equals("code") && container != null && container.kind() == BlockKind.CODE && codeLanguage == null) {
        codeLanguage = declaredLanguage(atts.getValue("class")); // <pre><code class="language-x">
      }
      frame = new Frame(Mode.INLINE);
    } else if (container != null) {
      frame = new Frame(Mode.SEPARATOR);
      separate();
    } else if (name.equals("p")) {
      flush();
      frame = paragraph(atts.getValue("class"));
    } else {
      flush();
      frame = new Frame(Mode.BOUNDARY);
    }
    open.push(frame);
  }

  @Override
  public void endElement(String uri, String localName, String qName) throws SAXException {
    String name = name(localName, qName);
    if (name.equals("title")) {
      inTitle = false;
      return;
    }
    if (skipDepth > 0) {
      skipDepth--;
      return;
    }
    if (tableDepth > 0 && !(tableDepth == 1 && name.equals("table"))) {
      endInTable(name);
      return;
    }
    Frame frame = open.peek();
    if (frame == null) {
      return;
    }
    // the frame is still open while it flushes, so its text takes its kind
    switch (frame.mode()) {
      case CONTAINER, BOUNDARY -> {
        flush();
        if (frame.kind() == BlockKind.CODE) {
          codeLanguage = null;
        }
      }
      case LIST -> {
        flush();
        listDepth--;
      }
      case SEPARATOR -> separate();
      case TABLE_PART -> endTable();
      case INLINE -> { }
    }
    open.pop();
    if (open.size() == pageDepth) {
      pageDepth = -1;
    }
  }

  @Override
  public void characters(char[] ch, int start, int length) throws SAXException {
    checkCancelled();
    if (inTitle) {
      title.append(ch, start, length);
      return;
    }
    if (skipDepth > 0) {
      return;
    }
    StringBuilder target = tableDepth == 0 ? text : cell != null ? cell : tableLoose;
    int room = writeLimit - written;
    int kept = Math.min(room, length);
    target.append(ch, start, kept);
    written += kept;
    if (kept < length) {
      throw new WriteLimitReachedException(writeLimit);
    }
  }

  /**
   * Tika writes layout newlines between its tags, but also some line breaks inside text (PDF lines) as ignorable
   * whitespace, so it must still separate words.
   */
  @Override
  public void ignorableWhitespace(char[] ch, int start, int length) {
    if (!inTitle && skipDepth == 0) {
      (tableDepth == 0 ? text : cell != null ? cell : tableLoose).append(' ');
    }
  }

  private void startInTable(String name) {
    if (name.equals("table")) {
      tableDepth++;
    }
    if (tableDepth == 1 && name.equals("tr")) {
      endRow();
      row = new ArrayList<>();
    } else if (tableDepth == 1 && (name.equals("td") || name.equals("th"))) {
      endCell();
      cell = new StringBuilder();
    } else {
      // nested tables and a cell's own paragraphs flatten into the cell's text
      (cell != null ? cell : tableLoose).append(' ');
    }
  }

  private void endInTable(String name) {
    if (name.equals("table")) {
      tableDepth--;
    }
    if (tableDepth == 1 && (name.equals("td") || name.equals("th"))) {
      endCell();
    } else if (tableDepth == 1 && name.equals("tr")) {
      endRow();
    } else {
      (cell != null ? cell : tableLoose).append(' ');
    }
  }

  private void endCell() {
    if (cell != null) {
      if (row == null) {
        row = new ArrayList<>();
      }
      row.add(collapse(cell));
      cell = null;
    }
  }

  private void endRow() {
    endCell();
    if (row != null && row.stream().anyMatch(c -> !c.isEmpty())) {
      rows.add(List.copyOf(row));
    }
    row = null;
  }

  private void endTable() {
    endRow();
    tableDepth = 0;
    String caption = collapse(tableLoose);
    tableLoose.setLength(0);
    if (!caption.isEmpty()) {
      add(block(BlockKind.PARAGRAPH, 0, caption, List.of()));
    }
    if (!rows.isEmpty()) {
      StringBuilder joined = new StringBuilder();
      for (List<String> r : rows) {
        joined.append(String.join("\t", r)).append('\n');
      }
      add(block(BlockKind.TABLE, 0, joined.toString().stripTrailing(), List.copyOf(rows)));
    }
    rows = null;
  }

  /** Emits the pending text as a block of the innermost container's kind, or as a paragraph. */
  private void flush() {
    Frame container = innermostContainer();
    BlockKind kind = container == null ? BlockKind.PARAGRAPH : container.kind();
    int level = container == null ? 0 : container.level();
    String content;
    if (kind == BlockKind.CODE) {
      content = LEADING_BLANK_LINES.matcher(text.toString().replace("\r\n", "\n")).replaceFirst("").stripTrailing();
    } else {
      content = collapse(text);
      if (container != null && container.wordList()) {
        content = LIST_MARKER.matcher(content).replaceFirst("");
      } else if (kind == BlockKind.LIST_ITEM) {
        content = BULLET.matcher(content).replaceFirst("");
      } else if (kind == BlockKind.PARAGRAPH && BULLET.matcher(content).find()) {
        kind = BlockKind.LIST_ITEM;
        level = Math.max(1, listDepth);
        content = BULLET.matcher(content).replaceFirst("");
      }
    }
    text.setLength(0);
    if (!content.isBlank()) {
      if (slideTitlePending && kind == BlockKind.PARAGRAPH && content.length() <= MAX_SLIDE_TITLE
          && !content.endsWith(".")) {
        kind = BlockKind.HEADING;
        level = 1;
      } else if (slideTitlePending && kind != BlockKind.HEADING) {
        // a slide without a title still is a section of its own; its number is what names it
        add(block(BlockKind.HEADING, 1, "Slide " + slides, List.of()));
      }
      slideTitlePending = false;
      Block block = block(kind, level, content, List.of());
      if (kind == BlockKind.CODE) {
        // lower case and as written ("py", "c++"): mapping names to parsers is the chunker's business
        block.setLanguage(codeLanguage);
      }
      add(block);
    }
  }

  private void add(Block block) {
    blocks.add(block);
    blockPages.add(pages - 1);
  }

  /**
   * The language in a class attribute: {@code language-x} (CommonMark's rendering of a fence's info string, and the
   * HTML5 spec's suggestion) or {@code lang-x} (Prism, highlight.js, Google's prettify); null when it names none.
   */
  static String declaredLanguage(String classes) {
    if (classes == null) {
      return null;
    }
    for (String token : WHITESPACE.split(classes.strip())) {
      String lower = token.toLowerCase(Locale.ROOT);
      String language = lower.startsWith("language-") ? lower.substring("language-".length())
          : lower.startsWith("lang-") ? lower.substring("lang-".length()) : "";
      if (!language.isEmpty()) {
        return language;
      }
    }
    return null;
  }

  private Frame paragraph(String styleClass) {
    String style = styleClass == null ? "" : styleClass.toLowerCase(Locale.ROOT);
    if (style.equals("list") || style.startsWith("list_")) {
      Matcher digit = STYLE_LEVEL.matcher(styleClass);
      return new Frame(Mode.CONTAINER, BlockKind.LIST_ITEM, digit.find() ? Integer.parseInt(digit.group(1)) : 1, true);
    }
    return new Frame(Mode.CONTAINER, BlockKind.PARAGRAPH, 0, false);
  }

  private void separate() {
    Frame container = innermostContainer();
    text.append(container != null && container.kind() == BlockKind.CODE ? '\n' : ' ');
  }

  private Frame innermostContainer() {
    for (Frame frame : open) {
      if (frame.mode() == Mode.CONTAINER) {
        return frame;
      }
    }
    return null;
  }

  /** Lists, headings and code inside a list item become blocks of their own; inside other blocks they are text. */
  private static boolean breaksOut(Frame container) {
    return container == null || container.kind() == BlockKind.LIST_ITEM;
  }

  private static boolean isHeading(String name) {
    return name.length() == 2 && name.charAt(0) == 'h' && name.charAt(1) >= '1' && name.charAt(1) <= '6';
  }

  private static String name(String localName, String qName) {
    return (localName == null || localName.isEmpty() ? qName : localName).toLowerCase(Locale.ROOT);
  }

  private static String collapse(CharSequence raw) {
    return WHITESPACE.matcher(raw).replaceAll(" ").strip();
  }

  private static Block block(BlockKind kind, int level, String text, List<List<String>> rows) {
    return Block.newBuilder().setKind(kind).setLevel(level).setText(text).setRows(rows).build();
  }

  /** Parsers rarely check interruption; checking here makes a timed-out parse stop at its next SAX event. */
  private static void checkCancelled() throws SAXException {
    if (Thread.currentThread().isInterrupted()) {
      throw new SAXException("extraction cancelled");
    }
  }
}
