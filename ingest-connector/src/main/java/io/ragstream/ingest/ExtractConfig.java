package io.ragstream.ingest;

import io.ragstream.ingest.extract.ExtractLimits;
import io.ragstream.ingest.extract.FileReferences;
import io.ragstream.ingest.extract.OcrSettings;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The extract stage's settings (ingest → documents with Tika in a child JVM).
 *
 * @param instance this replica's id (part of its transactional id)
 * @param limits what one document may cost: bytes, parse time, extracted characters (over them: DLQ)
 * @param maxPollRecords documents per Kafka transaction; Tika is slow per document, so small polls keep a
 *     transaction (and a retry after a failure) short
 * @param childHeapMb heap of the Tika child JVM
 * @param port the process's health and metrics port (0: ephemeral)
 */
public record ExtractConfig(String instance, ExtractLimits limits, int maxPollRecords, int childHeapMb, int port,
    FileReferences references, OcrSettings ocr) {
  public static final Setting MAX_BYTES = Setting.longValue("extract.max-bytes", ExtractLimits.DEFAULTS.maxBytes(),
      1, Integer.MAX_VALUE - 8, "largest document extracted (bytes); larger ones go to the DLQ");
  public static final Setting PARSE_TIMEOUT = Setting.duration("extract.parse-timeout",
      ExtractLimits.DEFAULTS.parseTimeout(), Duration.ofSeconds(1), Duration.ofHours(1),
      "longest a document may take to parse; the child JVM is restarted after it");
  public static final Setting WRITE_LIMIT = Setting.integer("extract.write-limit-chars",
      ExtractLimits.DEFAULTS.writeLimitChars(), 1, Integer.MAX_VALUE, "most characters extracted from one document");
  public static final Setting MAX_POLL = Setting.integer("extract.max-poll-records", 16, 1, 10_000,
      "documents per Kafka transaction");
  public static final Setting CHILD_HEAP_MB = Setting.integer("extract.child-heap-mb", 512, 64, 65_536,
      "heap of the Tika child JVM (MiB)");
  public static final Setting PORT = Setting.integer("extract.port", 0, 0, 65_535,
      "health and metrics port of `stage extract` (0: any free port)");

  /** The extract stage's own settings. */
  public static final Setting FILE_ROOTS = Setting.string("extract.file-roots", null,
      "directories file: references may be read from (comma-separated); none: every reference is dead-lettered as"
          + " reference_refused").withEnv(FileReferences.ROOTS_ENV);
  // read by the isolated extract child through OcrSettings.fromEnvironment; declared here for `config` and the
  // unknown-variable check
  public static final Setting OCR = Setting.choice("ocr", "auto", List.of("auto", "on", "off"),
      "OCR of images and PDF pages without text (Tesseract): auto = on when tesseract is on the PATH")
      .withEnv(OcrSettings.MODE_VARIABLE);
  public static final Setting OCR_LANGUAGE = Setting.string("ocr.language", "eng", "Tesseract language(s), e.g."
      + " eng+deu").withEnv(OcrSettings.LANGUAGE_VARIABLE);
  public static final Setting OCR_PAGE_TIMEOUT = Setting.integer("ocr.page-timeout-seconds", 30, 1, 3600,
      "OCR time budget per page").withEnv(OcrSettings.PAGE_TIMEOUT_VARIABLE);
  public static final Setting OCR_DOCUMENT_TIMEOUT = Setting.integer("ocr.document-timeout-seconds", 300, 1, 86_400,
      "OCR time budget per document").withEnv(OcrSettings.DOCUMENT_TIMEOUT_VARIABLE);
  public static final Setting OCR_MAX_PAGES = Setting.integer("ocr.max-pages", 50, 1, 100_000,
      "pages OCR'd per document at most (a longer scan is extracted without OCR)")
      .withEnv(OcrSettings.MAX_PAGES_VARIABLE);
  public static final List<Setting> SETTINGS = List.of(FILE_ROOTS, OCR, OCR_LANGUAGE, OCR_PAGE_TIMEOUT,
      OCR_DOCUMENT_TIMEOUT, OCR_MAX_PAGES, MAX_BYTES, PARSE_TIMEOUT, WRITE_LIMIT, MAX_POLL,
      CHILD_HEAP_MB, PORT);

  /** Everything `stage extract` reads. */
  public static final List<Setting> ALL = Stream.concat(CommonSettings.ALL.stream(), SETTINGS.stream()).toList();

  public ExtractConfig {
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(limits, "limits");
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("maxPollRecords must be at least 1, got " + maxPollRecords);
    }
    Objects.requireNonNull(references, "references");
    Objects.requireNonNull(ocr, "ocr");
  }

  /** File roots and OCR from the process environment. */
  public ExtractConfig(String instance, ExtractLimits limits, int maxPollRecords, int childHeapMb, int port) {
    this(instance, limits, maxPollRecords, childHeapMb, port, FileReferences.fromEnvironment(System.getenv()),
        OcrSettings.fromEnvironment());
  }

  public static ExtractConfig defaults(String instance) {
    return new ExtractConfig(instance, ExtractLimits.DEFAULTS, 16, 512, 0);
  }

  public static ExtractConfig from(Settings settings, Map<String, String> env) {
    ExtractLimits limits = new ExtractLimits(settings.longValue(MAX_BYTES), settings.duration(PARSE_TIMEOUT),
        settings.integer(WRITE_LIMIT));
    // file roots and OCR are read by classes that take variables: hand them the resolved settings (a flag or
    // `--set` wins over the environment, as for every other setting) under their variable names
    Map<String, String> variables = new java.util.HashMap<>();
    for (Setting setting : List.of(FILE_ROOTS, OCR, OCR_LANGUAGE, OCR_PAGE_TIMEOUT, OCR_DOCUMENT_TIMEOUT,
        OCR_MAX_PAGES)) {
      settings.optional(setting).ifPresent(value -> variables.put(setting.env(), value));
    }
    return new ExtractConfig(CommonSettings.instance(settings, env), limits, settings.integer(MAX_POLL),
        settings.integer(CHILD_HEAP_MB), settings.integer(PORT), FileReferences.fromEnvironment(variables),
        OcrSettings.from(variables));
  }
}
