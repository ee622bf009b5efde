package io.ragstream.ingest.extract;

import io.ragstream.ingest.extract.ExtractionException.Reason;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.tika.detect.AutoDetectReader;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.exception.TikaMemoryLimitException;
import org.apache.tika.exception.WriteLimitReachedException;
import org.apache.tika.exception.ZeroByteFileException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.PagedText;
import org.apache.tika.metadata.Property;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.AutoDetectParser;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.Parser;
import org.apache.tika.parser.html.DefaultHtmlMapper;
import org.apache.tika.parser.html.HtmlMapper;
import org.apache.tika.parser.html.JSoupParser;
import org.apache.tika.parser.ocr.TesseractOCRConfig;
import org.apache.tika.parser.pdf.PDFParserConfig;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.renderer.html.HtmlRenderer;
import org.xml.sax.SAXException;

/**
 * Extracts a document's text and structure with Apache Tika, within {@link ExtractLimits}. Knows nothing of Kafka:
 * the extract stage's runner calls {@link #extract} once per ingest record and dead-letters the
 * {@link ExtractionException}s.
 *
 * <p>Markdown is rendered to HTML with commonmark-java first, because Tika only sees it as plain text and would lose
 * its headings, lists and code blocks; a fence's info string survives as the code block's declared language
 * ({@code Block.language}). A PDF's outline becomes headings ({@link PdfBookmarks}). Language is taken
 * from what the document declares (dc:language, an HTML {@code lang}/Content-Language), never guessed: Tika's
 * detectors live in tika-langdetect-* modules with their own models, which are not part of the standard parser
 * package.
 *
 * <p>Thread-safe; one instance serves the whole stage. Each parse runs on its own daemon thread so that a parser
 * that ignores cancellation can neither block the caller past the timeout nor starve later documents.
 *
 * <p>{@link #isolated} extractors parse in a long-lived child JVM instead (see {@link ExtractorProcess}), so that a
 * parser hang or an {@link OutOfMemoryError} costs a child restart and one dead letter, never the stage: what the
 * extract stage runs. The in-process form stays for tools and tests that parse trusted input.
 */
public final class TikaExtractor implements AutoCloseable {

  private static final String MARKDOWN_TYPE = "text/markdown";
  private static final Set<String> MARKDOWN = Set.of(MARKDOWN_TYPE, "text/x-markdown", "text/x-web-markdown");

  /** Tika's default mapper drops div, section, code and the like; keeping them keeps paragraph boundaries. */
  private static final HtmlMapper STRUCTURE_MAPPER = new DefaultHtmlMapper() {
    @Override
    public String mapSafeElement(String name) {
      String safe = super.mapSafeElement(name);
      if (safe != null) {
        return safe;
      }
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "div", "section", "article", "main", "header", "footer", "aside", "nav", "figure", "figcaption",
            "details", "summary", "address" -> "div";
        case "code" -> "code";
        default -> null;
      };
    }

    /** A code block's class names its language ({@code language-java}); the default mapper drops every class. */
    @Override
    public String mapSafeAttribute(String elementName, String attributeName) {
      String element = elementName.toLowerCase(Locale.ROOT);
      if ((element.equals("pre") || element.equals("code")) && attributeName.equalsIgnoreCase("class")) {
        return "class";
      }
      return super.mapSafeAttribute(elementName, attributeName);
    }
  };

  private static final String PDF = "application/pdf";

  private final ExtractLimits limits;
  private final OcrSettings ocr;
  private final AutoDetectParser parser = new AutoDetectParser();
  private final JSoupParser htmlParser = new JSoupParser();
  private final org.commonmark.parser.Parser markdownParser;
  private final HtmlRenderer markdownRenderer;
  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("tika-extract-", 0).factory());
  /** The child process that parses for an {@link #isolated} extractor; null when parsing in this JVM. */
  private final ExtractorProcess child;

  /** Heap of an isolated extractor's child JVM unless told otherwise: room for large PDFs and Office files. */
  public static final int DEFAULT_CHILD_HEAP_MB = 768;

  public TikaExtractor() {
    this(ExtractLimits.DEFAULTS);
  }

  public TikaExtractor(ExtractLimits limits) {
    this(limits, OcrSettings.OFF);
  }

  /** An in-process extractor that runs OCR as {@code ocr} says (the extract child's own extractor). */
  public TikaExtractor(ExtractLimits limits, OcrSettings ocr) {
    this(limits, ocr, null);
  }

  /**
   * An extractor that parses in a child JVM with {@value #DEFAULT_CHILD_HEAP_MB} MiB of heap, with OCR as the
   * environment says ({@link OcrSettings#fromEnvironment}: on where Tesseract is installed, unless
   * {@code RAGSTREAM_OCR=off}).
   *
   * @throws IllegalStateException when {@code RAGSTREAM_OCR=on} and Tesseract is missing
   */
  public static TikaExtractor isolated(ExtractLimits limits) {
    return isolated(limits, DEFAULT_CHILD_HEAP_MB);
  }

  /**
   * An extractor that parses in a long-lived child JVM with {@code childHeapMb} MiB of heap, started on the first
   * document and restarted after a document killed it (timeout: {@link Reason#TIMEOUT}; out of memory:
   * {@link Reason#TOO_LARGE}). The child runs with this JVM's class path.
   */
  public static TikaExtractor isolated(ExtractLimits limits, int childHeapMb) {
    return isolated(limits, childHeapMb, OcrSettings.fromEnvironment());
  }

  /** An isolated extractor whose child runs OCR as {@code ocr} says. */
  public static TikaExtractor isolated(ExtractLimits limits, int childHeapMb, OcrSettings ocr) {
    return new TikaExtractor(limits, ocr, new ExtractorProcess(limits, ocr, childHeapMb,
        ExtractChild.class.getName()));
  }

  /** With another child main class speaking the same protocol: tests use one that hangs or runs out of memory. */
  static TikaExtractor isolated(ExtractLimits limits, int childHeapMb, String childMainClass) {
    return new TikaExtractor(limits, OcrSettings.OFF, new ExtractorProcess(limits, OcrSettings.OFF, childHeapMb,
        childMainClass));
  }

  private TikaExtractor(ExtractLimits limits, OcrSettings ocr, ExtractorProcess child) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.ocr = Objects.requireNonNull(ocr, "ocr");
    this.child = child;
    var extensions = List.of(TablesExtension.create());
    this.markdownParser = org.commonmark.parser.Parser.builder().extensions(extensions).build();
    this.markdownRenderer = HtmlRenderer.builder().extensions(extensions).build();
  }

  public ExtractLimits limits() {
    return limits;
  }

  public OcrSettings ocr() {
    return ocr;
  }

  /**
   * Extracts one document.
   *
   * @param content the document's bytes
   * @param contentTypeHint the media type the publisher declared, or null; detection from the bytes wins over it
   * @param sourceName the file name or URI, or null; its extension helps detection
   * @return the blocks and metadata; never without text
   * @throws ExtractionException when the document cannot give any text; its reason says why
   * @throws InterruptedException when the calling thread is interrupted: the stage is stopping, the document is fine
   */
  public Extraction extract(byte[] content, String contentTypeHint, String sourceName)
      throws ExtractionException, InterruptedException {
    Objects.requireNonNull(content, "content");
    if (content.length == 0) {
      throw new ExtractionException(Reason.EMPTY, "the document has no bytes" + named(sourceName));
    }
    if (content.length > limits.maxBytes()) {
      throw new ExtractionException(Reason.TOO_LARGE, content.length + " bytes is over the limit of "
          + limits.maxBytes() + named(sourceName));
    }
    if (child != null) {
      return child.extract(content, contentTypeHint, sourceName);
    }
    Metadata metadata = new Metadata();
    if (sourceName != null && !sourceName.isBlank()) {
      metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, sourceName);
    }
    if (contentTypeHint != null && !contentTypeHint.isBlank()) {
      metadata.set(Metadata.CONTENT_TYPE, contentTypeHint);
    }
    BlockHandler handler = new BlockHandler(limits.writeLimitChars());
    MediaType detected;
    try (TikaInputStream in = TikaInputStream.get(content)) {
      detected = parser.getDetector().detect(in, metadata).getBaseType();
    } catch (IOException e) {
      throw classify(e, "application/octet-stream", sourceName);
    }
    MediaType type = sniffed(detected, content, metadata, sourceName);

    String sourceType = SourceFiles.mediaType(sourceName, type.toString());
    if (sourceType != null) {
      return sourceFile(content, metadata, sourceType, sourceName);
    }

    // the outline is read inside the parse task, so a PDF whose outline is slow to read is bounded by the same
    // timeout; Future.get orders the task's writes before the reads below
    List<PdfBookmarks.Bookmark> bookmarks = new ArrayList<>();
    boolean mayOcr = ocr.enabled() && ocrCandidate(type);
    Map<String, String> ocrMarks = new LinkedHashMap<>();
    Future<?> parse = executor.submit(() -> {
      boolean ocrThis = mayOcr;
      if (type.toString().equals(PDF)) {
        bookmarks.addAll(PdfBookmarks.read(content, sourceName));
        if (mayOcr) {
          int pages = PdfBookmarks.pageCount(content);
          if (pages > ocr.maxPages()) {
            ocrThis = false;
            ocrMarks.put(Extraction.OCR_SKIPPED, pages + " pages, over the OCR page cap of " + ocr.maxPages());
          }
        }
      }
      parse(content, type, metadata, handler, ocrThis);
      if (ocrThis) {
        ocrMarks.putAll(ocrMarks(type, metadata));
      }
      return null;
    });
    Duration timeout = mayOcr ? max(limits.parseTimeout(), ocr.documentTimeout()) : limits.parseTimeout();
    boolean truncated = false;
    try {
      parse.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      parse.cancel(true);
      throw new ExtractionException(Reason.TIMEOUT, "parsing " + type + named(sourceName) + " took longer than "
          + timeout + (mayOcr ? " (OCR included)" : "") + "; cancelled", e);
    } catch (InterruptedException e) {
      parse.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      // the text up to the limit is still a useful document; it is marked, not failed
      truncated = WriteLimitReachedException.isWriteLimitReached(e.getCause());
      if (!truncated) {
        throw classify(e.getCause(), type.toString(), sourceName);
      }
    }

    List<Block> extracted = handler.blocks();
    if (extracted.isEmpty()) {
      throw new ExtractionException(Reason.EMPTY, "no text found in " + type + named(sourceName)
          + (ocrCandidate(type) && !ocr.enabled() ? " (OCR is off: " + OcrSettings.MODE_VARIABLE
              + "=off, or no tesseract on the PATH)" : "")
          + (ocrMarks.containsKey(Extraction.OCR_SKIPPED) ? " (not OCR'd: " + ocrMarks.get(Extraction.OCR_SKIPPED)
              + ")" : ""));
    }
    // several top-level bookmarks are chapters, not the title: the first must not name the whole document
    boolean headingMayBeTitle = bookmarks.stream().filter(b -> b.level() == 1).count() <= 1;
    List<Block> blocks = bookmarks.isEmpty() ? extracted
        : PdfBookmarks.insert(extracted, handler.blockPages(), handler.pageCount(), bookmarks);
    Map<String, String> useful = usefulMetadata(metadata, truncated);
    useful.putAll(ocrMarks);
    return new Extraction(title(metadata, handler, blocks, headingMayBeTitle), language(metadata), type.toString(),
        blocks, useful, Extraction.hashOf(blocks));
  }

  /**
   * Markdown that only its syntax tells apart ({@link TextSniffer}): text/plain from the bytes, and no file extension
   * that said what it is. A {@code .txt} name is the sender's word for plain text and is kept.
   */
  private static MediaType sniffed(MediaType detected, byte[] content, Metadata metadata, String sourceName)
      throws ExtractionException {
    if (!detected.equals(MediaType.TEXT_PLAIN) || hasExtension(sourceName)) {
      return detected;
    }
    try {
      return TextSniffer.isMarkdown(decode(content, metadata)) ? MediaType.parse(MARKDOWN_TYPE) : detected;
    } catch (IOException | TikaException e) {
      throw classify(e, detected.toString(), sourceName);
    }
  }

  private static boolean hasExtension(String sourceName) {
    if (sourceName == null) {
      return false;
    }
    String fileName = sourceName.substring(Math.max(sourceName.lastIndexOf('/'), sourceName.lastIndexOf('\\')) + 1);
    int dot = fileName.lastIndexOf('.');
    return dot > 0 && dot < fileName.length() - 1;
  }

  /** A source file as one code block with its exact text, named by its file name; the chunker parses it. */
  private Extraction sourceFile(byte[] content, Metadata metadata, String type, String sourceName)
      throws ExtractionException {
    String text;
    try {
      text = decode(content, metadata);
    } catch (IOException | TikaException e) {
      throw classify(e, type, sourceName);
    }
    if (text.isBlank()) {
      throw new ExtractionException(Reason.EMPTY, "no text found in " + type + named(sourceName));
    }
    // no declared language: the chunker knows a source file's from its name and media type, and a hash without one
    // keeps source files' content hashes as they were
    List<Block> blocks = List.of(Block.newBuilder().setKind(BlockKind.CODE).setText(text).build());
    String title = sourceName == null ? null : SourceFiles.fileName(sourceName);
    return new Extraction(title, null, type, blocks, Map.of(), Extraction.hashOf(blocks));
  }

  /** How many child JVMs an isolated extractor started (1 + restarts); 0 for an in-process one. */
  int childStarts() {
    return child == null ? 0 : child.starts();
  }

  /** Stops parses still running after a timeout, and the child process if any; later calls to {@link #extract} fail. */
  @Override
  public void close() {
    executor.shutdownNow();
    if (child != null) {
      child.close();
    }
  }

  /** Images and PDFs: what Tesseract can read (Tika's OCR parser takes the raster formats Tesseract reads). */
  private static boolean ocrCandidate(MediaType type) {
    return type.getType().equals("image") || type.toString().equals(PDF);
  }

  /** How a parse with OCR on marks the document: an image is always OCR'd; a PDF only where pages lacked text. */
  private Map<String, String> ocrMarks(MediaType type, Metadata metadata) {
    Map<String, String> marks = new LinkedHashMap<>();
    int ocrPages = 0;
    if (type.getType().equals("image")) {
      ocrPages = 1;
    } else {
      Integer counted = metadata.getInt(org.apache.tika.metadata.PDF.OCR_PAGE_COUNT);
      ocrPages = counted == null ? 0 : counted;
    }
    if (ocrPages > 0) {
      marks.put(Extraction.OCR, "true");
      marks.put(Extraction.OCR_LANGUAGE, ocr.language());
      marks.put(Extraction.OCR_PAGES, Integer.toString(ocrPages));
    }
    return marks;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private void parse(byte[] content, MediaType type, Metadata metadata, BlockHandler handler, boolean ocrThis)
      throws IOException, SAXException, TikaException {
    ParseContext context = new ParseContext();
    context.set(HtmlMapper.class, STRUCTURE_MAPPER);
    // Tika would also list a PDF's bookmark titles after its last page: a usable outline becomes headings in place
    // instead (PdfBookmarks), and the titles of an unusable one are no text of the document, only a second walk of
    // a possibly malformed outline. A PDF without an outline is not affected.
    PDFParserConfig pdf = new PDFParserConfig();
    pdf.setExtractBookmarksText(false);
    // AUTO: a page is rendered and OCR'd only where its text layer is missing or unusable, so a born-digital PDF
    // costs no OCR at all
    pdf.setOcrStrategy(ocrThis ? PDFParserConfig.OCR_STRATEGY.AUTO : PDFParserConfig.OCR_STRATEGY.NO_OCR);
    context.set(PDFParserConfig.class, pdf);
    // attachments and embedded files are part of the document's text
    context.set(Parser.class, parser);
    TesseractOCRConfig tesseract = new TesseractOCRConfig();
    // off unless configured: OCR would otherwise make latency depend on whether the host has tesseract installed
    tesseract.setSkipOcr(!ocrThis);
    tesseract.setLanguage(ocr.language());
    tesseract.setTimeoutSeconds(Math.toIntExact(ocr.pageTimeout().toSeconds()));
    context.set(TesseractOCRConfig.class, tesseract);
    if (MARKDOWN.contains(type.toString())) {
      htmlParser.parseString(markdownToHtml(content, metadata), handler, metadata, context);
    } else {
      try (TikaInputStream in = TikaInputStream.get(content)) {
        parser.parse(in, handler, metadata, context);
      }
    }
  }

  private String markdownToHtml(byte[] content, Metadata metadata) throws IOException, TikaException {
    return "<html><head></head><body>" + markdownRenderer.render(markdownParser.parse(decode(content, metadata)))
        + "</body></html>";
  }

  /**
   * Markdown is nearly always UTF-8, and bytes that decode as UTF-8 almost never are anything else; statistical
   * detection misreads short UTF-8 texts, so it is only the fallback.
   */
  private static String decode(byte[] content, Metadata metadata) throws IOException, TikaException {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString();
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (CharacterCodingException notUtf8) {
      try (AutoDetectReader reader = new AutoDetectReader(TikaInputStream.get(content), metadata)) {
        return new String(content, reader.getCharset());
      }
    }
  }

  /** The one place that decides which failure a parser's exception means. */
  static ExtractionException classify(Throwable error, String type, String sourceName) {
    String what = type + named(sourceName);
    // parsers wrap each other's exceptions, so the telling one can be anywhere in the chain
    if (causedBy(error, EncryptedDocumentException.class)) {
      return new ExtractionException(Reason.ENCRYPTED, what + " is encrypted: " + describe(error), error);
    }
    if (causedBy(error, TikaMemoryLimitException.class)) {
      return new ExtractionException(Reason.TOO_LARGE, what + " expands beyond Tika's limits: " + describe(error),
          error);
    }
    if (causedBy(error, ZeroByteFileException.class)) {
      return new ExtractionException(Reason.EMPTY, what + " has no content: " + describe(error), error);
    }
    if (error instanceof TikaException || error instanceof SAXException || error instanceof IOException
        || error instanceof StackOverflowError) {
      return new ExtractionException(Reason.CORRUPT, "cannot parse " + what + ": " + describe(error), error);
    }
    // Tika wraps parsers' unchecked exceptions in TikaException, so anything else (a RuntimeException from this
    // code, an OutOfMemoryError) is a fault of this process, not of the document: it fails the stage instead of
    // dead-lettering a good record
    if (error instanceof RuntimeException runtime) {
      throw runtime;
    }
    if (error instanceof Error fatal) {
      throw fatal;
    }
    throw new IllegalStateException("unexpected checked exception from a parser", error);
  }

  private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** The exception and its root cause, which usually says what is actually wrong with the bytes. */
  private static String describe(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String top = error.getClass().getSimpleName() + ": " + error.getMessage();
    return root == error ? top : top + "; caused by " + root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static String named(String sourceName) {
    return sourceName == null || sourceName.isBlank() ? "" : " (" + sourceName + ")";
  }

  private static String title(Metadata metadata, BlockHandler handler, List<Block> blocks,
      boolean headingMayBeTitle) {
    String title = firstNonBlank(metadata.get(TikaCoreProperties.TITLE), handler.title());
    if (title != null || !headingMayBeTitle) {
      return title;
    }
    return blocks.stream().filter(b -> b.getKind() == BlockKind.HEADING && b.getLevel() == 1)
        .map(Block::getText).findFirst().orElse(null);
  }

  private static String language(Metadata metadata) {
    return firstNonBlank(metadata.get(TikaCoreProperties.LANGUAGE), metadata.get(Metadata.CONTENT_LANGUAGE));
  }

  private static Map<String, String> usefulMetadata(Metadata metadata, boolean truncated) {
    Map<String, String> useful = new LinkedHashMap<>();
    String[] authors = metadata.getValues(TikaCoreProperties.CREATOR);
    if (authors.length > 0) {
      useful.put(Extraction.AUTHOR, String.join("; ", authors));
    }
    put(useful, Extraction.CREATED, metadata, TikaCoreProperties.CREATED);
    put(useful, Extraction.MODIFIED, metadata, TikaCoreProperties.MODIFIED);
    put(useful, Extraction.PAGE_COUNT, metadata, PagedText.N_PAGES);
    if (truncated) {
      useful.put(Extraction.TRUNCATED, "true");
    }
    return useful;
  }

  private static void put(Map<String, String> into, String key, Metadata metadata, Property property) {
    String value = metadata.get(property);
    if (value != null && !value.isBlank()) {
      into.put(key, value.strip());
    }
  }

  private static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return null;
  }
}
