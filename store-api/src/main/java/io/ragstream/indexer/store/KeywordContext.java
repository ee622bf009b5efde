package io.ragstream.indexer.store;

import java.util.ArrayList;
import java.util.List;

/**
 * What every store's keyword index holds besides a chunk's text, so that each word of a chunk counts once in BM25.
 *
 * <p>The chunker can prefix a chunk's text with its heading path (the default), and then the title and headings are
 * already in the text. Indexing them again in boosted title and heading fields counted them two or three times: on
 * SciFact (train, 809 queries, prefix on) that cost 0.022 nDCG@10 against text alone, 0.659 vs 0.681. A title or
 * heading that the text does not contain (prefix off, or a title the path leaves out) is still searchable, through
 * the context field, at {@link #BOOST}. The rule is one place so that Lucene and Elasticsearch rank alike.
 */
public final class KeywordContext {

  /** Weight of a context match against a text match: it names what the chunk is about, not what it says. */
  public static final float BOOST = 0.5f;

  /**
   * BM25 parameters of every store's keyword retriever: Anserini's / Pyserini's defaults for passage retrieval.
   * Chunks are short and similar in length, where a lower length normalisation {@code b} than Lucene's 0.75 ranks
   * better (SciFact train, text field: 0.6866 nDCG@10 at k1 0.9, b 0.4 against 0.6812 at 1.2, 0.75).
   */
  public static final float BM25_K1 = 0.9f;

  public static final float BM25_B = 0.4f;

  private KeywordContext() {}

  /** The title and headings of the chunk that its text does not already contain, one per line; empty if none. */
  public static String of(StoredChunk chunk) {
    List<String> missing = new ArrayList<>();
    String text = chunk.text() == null ? "" : chunk.text();
    if (chunk.title() != null && !chunk.title().isBlank() && !text.contains(chunk.title())) {
      missing.add(chunk.title());
    }
    for (String heading : chunk.headings()) {
      if (!heading.isBlank() && !text.contains(heading) && !missing.contains(heading)) {
        missing.add(heading);
      }
    }
    return String.join("\n", missing);
  }
}
