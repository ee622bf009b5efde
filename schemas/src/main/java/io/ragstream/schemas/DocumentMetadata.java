package io.ragstream.schemas;

/**
 * Metadata keys that one stage writes on an ExtractedDocument and another reads: the extract stage marks OCR'd text
 * with them, and the status tracker copies them into the document's {@code DocumentProgress}. Declared here, beside
 * the schemas, because neither stage may depend on the other.
 */
public final class DocumentMetadata {
  /** "true" when some of the text came from OCR (Tesseract); absent otherwise. */
  public static final String OCR = "ocr";
  /** The Tesseract language(s) the OCR'd text was read with, e.g. {@code eng}. */
  public static final String OCR_LANGUAGE = "ocrLanguage";
  /** How many pages (1 for an image) were OCR'd. */
  public static final String OCR_PAGES = "ocrPages";
  /** Why a document that may have needed OCR was not OCR'd (the page cap). */
  public static final String OCR_SKIPPED = "ocrSkipped";

  private DocumentMetadata() {}
}
