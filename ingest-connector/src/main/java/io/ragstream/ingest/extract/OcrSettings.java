package io.ragstream.ingest.extract;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Whether and how the extract child runs Tesseract on images (PNG, JPEG, TIFF, ...) and on PDF pages without a text
 * layer. Resolved once, at stage start, from the environment ({@link #fromEnvironment}); a bad value or
 * {@code RAGSTREAM_OCR=on} without {@code tesseract} on the PATH stops the stage there, not at the first scan.
 *
 * <p>Budgets: Tesseract is an external process per page, killed by Tika after {@code pageTimeout}; a whole document
 * that goes through OCR may take {@code documentTimeout} (instead of the ordinary parse timeout) before the child is
 * killed and the document dead-lettered as {@code timeout}. A PDF with more than {@code maxPages} pages is not
 * OCR'd at all (its text layer is still extracted): OCR costs about a second per page, so a 500-page scan would hold
 * the single extract child for minutes. The document then carries {@code ocrSkipped} with the reason.
 *
 * @param enabled whether OCR runs
 * @param language Tesseract's language(s), e.g. {@code eng} or {@code eng+deu}; must be installed
 * @param pageTimeout the most one page's OCR may take
 * @param documentTimeout the most a document that may need OCR (an image or a PDF) may take to parse
 * @param maxPages PDFs with more pages than this are not OCR'd
 */
public record OcrSettings(boolean enabled, String language, Duration pageTimeout, Duration documentTimeout,
    int maxPages) {

  public static final String MODE_VARIABLE = "RAGSTREAM_OCR";
  public static final String LANGUAGE_VARIABLE = "RAGSTREAM_OCR_LANGUAGE";
  public static final String PAGE_TIMEOUT_VARIABLE = "RAGSTREAM_OCR_PAGE_TIMEOUT_SECONDS";
  public static final String DOCUMENT_TIMEOUT_VARIABLE = "RAGSTREAM_OCR_DOCUMENT_TIMEOUT_SECONDS";
  public static final String MAX_PAGES_VARIABLE = "RAGSTREAM_OCR_MAX_PAGES";

  // before OFF: the constructor that builds OFF uses it
  private static final Pattern LANGUAGE = Pattern.compile("[a-z_]{3,}(\\+[a-z_]{3,})*", Pattern.CASE_INSENSITIVE);

  /** No OCR: what the in-process extractor uses unless told otherwise, so tools and tests do not depend on the host. */
  public static final OcrSettings OFF = new OcrSettings(false, "eng", Duration.ofSeconds(30), Duration.ofSeconds(300),
      50);

  public OcrSettings {
    Objects.requireNonNull(language, "language");
    Objects.requireNonNull(pageTimeout, "pageTimeout");
    Objects.requireNonNull(documentTimeout, "documentTimeout");
    if (!LANGUAGE.matcher(language).matches()) {
      throw new IllegalArgumentException("OCR language must be Tesseract language codes joined by '+' (eng, "
          + "eng+deu), was '" + language + "'");
    }
    if (pageTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("OCR page timeout must be at least 1 second, was " + pageTimeout);
    }
    if (documentTimeout.compareTo(pageTimeout) < 0) {
      throw new IllegalArgumentException("OCR document timeout (" + documentTimeout
          + ") must not be shorter than the page timeout (" + pageTimeout + ")");
    }
    if (maxPages < 1) {
      throw new IllegalArgumentException("OCR page cap must be at least 1, was " + maxPages);
    }
  }

  public OcrSettings on() {
    return new OcrSettings(true, language, pageTimeout, documentTimeout, maxPages);
  }

  public OcrSettings withMaxPages(int value) {
    return new OcrSettings(enabled, language, pageTimeout, documentTimeout, value);
  }

  public OcrSettings withDocumentTimeout(Duration value) {
    return new OcrSettings(enabled, language, pageTimeout, value, maxPages);
  }

  /** From the process environment; see {@link #from(Map, boolean)}. */
  public static OcrSettings fromEnvironment() {
    return from(System.getenv());
  }

  /** From these variables, Tesseract looked up on this process's PATH (the extract child inherits it). */
  public static OcrSettings from(Map<String, String> variables) {
    return from(variables, tesseractOnPath(System.getenv("PATH")));
  }

  /**
   * {@code RAGSTREAM_OCR}: {@code auto} (default: on when Tesseract is installed), {@code on} (refuses to start
   * without it), {@code off}; {@code RAGSTREAM_OCR_LANGUAGE} (default {@code eng}),
   * {@code RAGSTREAM_OCR_PAGE_TIMEOUT_SECONDS} (30), {@code RAGSTREAM_OCR_DOCUMENT_TIMEOUT_SECONDS} (300),
   * {@code RAGSTREAM_OCR_MAX_PAGES} (50).
   *
   * @throws IllegalArgumentException naming the variable and value that is wrong
   * @throws IllegalStateException when OCR is required and Tesseract is missing
   */
  public static OcrSettings from(Map<String, String> env, boolean tesseractInstalled) {
    String mode = env.getOrDefault(MODE_VARIABLE, "auto").strip().toLowerCase(Locale.ROOT);
    boolean enabled = switch (mode) {
      case "auto", "" -> tesseractInstalled;
      case "on", "true" -> {
        if (!tesseractInstalled) {
          throw new IllegalStateException(MODE_VARIABLE + "=on but no 'tesseract' executable is on the PATH; install "
              + "it (Debian: apt-get install tesseract-ocr) or set " + MODE_VARIABLE + "=auto or off");
        }
        yield true;
      }
      case "off", "false" -> false;
      default -> throw new IllegalArgumentException(MODE_VARIABLE + " must be auto, on or off, was '" + mode + "'");
    };
    return new OcrSettings(enabled, env.getOrDefault(LANGUAGE_VARIABLE, OFF.language()).strip(),
        Duration.ofSeconds(positive(env, PAGE_TIMEOUT_VARIABLE, OFF.pageTimeout().toSeconds())),
        Duration.ofSeconds(positive(env, DOCUMENT_TIMEOUT_VARIABLE, OFF.documentTimeout().toSeconds())),
        Math.toIntExact(positive(env, MAX_PAGES_VARIABLE, OFF.maxPages())));
  }

  private static long positive(Map<String, String> env, String name, long fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(value.strip());
      if (parsed < 1 || parsed > Integer.MAX_VALUE) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a positive whole number, was '" + value + "'");
    }
  }

  /** Whether an executable {@code tesseract} lies in one of the PATH's directories (what Tika runs). */
  public static boolean tesseractOnPath(String path) {
    if (path == null) {
      return false;
    }
    for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
      if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "tesseract"))) {
        return true;
      }
    }
    return false;
  }

  /** The child's command-line arguments for these settings; {@link #fromArgs} reads them back. */
  String[] toArgs() {
    return new String[] {Boolean.toString(enabled), language, Long.toString(pageTimeout.toSeconds()),
        Long.toString(documentTimeout.toMillis()), Integer.toString(maxPages)};
  }

  static OcrSettings fromArgs(String[] args, int from) {
    return new OcrSettings(Boolean.parseBoolean(args[from]), args[from + 1],
        Duration.ofSeconds(Long.parseLong(args[from + 2])), Duration.ofMillis(Long.parseLong(args[from + 3])),
        Integer.parseInt(args[from + 4]));
  }
}
