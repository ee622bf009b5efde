package io.ragstream.embedding;

import java.util.List;

/**
 * A text embedding model. Implementations hold one long-lived inference session and are safe for concurrent use.
 * The same instance embeds chunks at ingest and queries at search time, so both sides use identical code.
 */
public interface EmbeddingModel extends AutoCloseable {

  /** Stable identifier recorded on every embedding, e.g. {@code all-minilm-l6-v2}. */
  String id();

  /** Length of every vector this model returns. */
  int dimension();

  /** Maximum input length in tokens (including special tokens); longer inputs are truncated. */
  int maxTokens();

  /** The model's tokenizer, for sizing chunks in the model's own tokens. */
  ModelTokenizer tokenizer();

  /** Embeds a batch of passages; one L2-normalised vector per input, in input order. */
  float[][] embedAll(List<String> texts);

  /** Embeds a search query (models with a query instruction prepend it here). */
  default float[] embedQuery(String query) {
    return embedAll(List.of(query))[0];
  }

  @Override
  void close();
}
