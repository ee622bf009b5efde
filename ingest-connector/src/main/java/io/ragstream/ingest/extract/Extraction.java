package io.ragstream.ingest.extract;

import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.DocumentMetadata;
import io.ragstream.schemas.avro.Block;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The text and structure extracted from one document.
 *
 * @param title the document's title (its metadata title, else its first level-1 heading), or null
 * @param language the language the document declares (dc:language / Content-Language), or null; never guessed
 * @param contentType the media type Tika detected, without parameters
 * @param blocks headings, paragraphs, list items, tables and code (with the language each declares) in document
 *     order; never empty
 * @param metadata a few useful document properties under the keys declared here
 * @param contentHash {@link #hashOf(List)} of the blocks
 */
public record Extraction(String title, String language, String contentType, List<Block> blocks,
    Map<String, String> metadata, String contentHash) {

  public static final String AUTHOR = "author";
  public static final String CREATED = "created";
  public static final String MODIFIED = "modified";
  public static final String PAGE_COUNT = "pageCount";
  /** "true" when the write limit cut the text short; absent otherwise. */
  public static final String TRUNCATED = "truncated";
  /** "true" when some of the text came from OCR (Tesseract); absent otherwise. The status tracker reads it too. */
  public static final String OCR = DocumentMetadata.OCR;
  /** The Tesseract language(s) the OCR'd text was read with, e.g. {@code eng}. */
  public static final String OCR_LANGUAGE = DocumentMetadata.OCR_LANGUAGE;
  /** How many pages (1 for an image) were OCR'd. */
  public static final String OCR_PAGES = DocumentMetadata.OCR_PAGES;
  /** Why a document that may have needed OCR was not OCR'd (the page cap). */
  public static final String OCR_SKIPPED = DocumentMetadata.OCR_SKIPPED;

  public Extraction {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(contentHash, "contentHash");
    blocks = List.copyOf(blocks);
    metadata = Map.copyOf(metadata);
  }

  public boolean truncated() {
    return "true".equals(metadata.get(TRUNCATED));
  }

  /**
   * SHA-256 (hex) over each block's kind, level, text and declared language, so the same text in the same structure
   * gives the same hash whatever the file format, date or author, and a fence whose language changed is chunked
   * again. Table rows are not hashed separately: a table's text carries them. A block without a language hashes as it
   * did before languages were kept, so documents without fenced code keep their hashes.
   */
  public static String hashOf(List<Block> blocks) {
    StringBuilder canonical = new StringBuilder();
    for (Block block : blocks) {
      // length-prefixed, so no text can imitate a block boundary
      canonical.append(block.getKind()).append(' ').append(block.getLevel()).append(' ')
          .append(block.getText().length()).append(':').append(block.getText()).append('\n');
      String language = block.getLanguage();
      if (language != null) {
        canonical.append("language ").append(language.length()).append(':').append(language).append('\n');
      }
    }
    return ChunkIds.sha256(canonical.toString());
  }
}
