package io.ragstream.indexer.store;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** The read side of a store, used by the query service. Filters are applied inside the retriever, before top-k. */
public interface ChunkSearcher {

  /** BM25 over chunk text (and title and headings). */
  List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException;

  /** Nearest neighbours of the vector (cosine / dot product on normalised vectors). */
  List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException;

  /**
   * Nearest neighbours of a query vector that {@code modelId} computed. A store that knows the model of its vectors
   * refuses a vector of another model with {@link ModelMismatchException} rather than ranking noise: two models'
   * vectors may well have the same dimension (MiniLM and bge-small both have 384), so nothing else would notice.
   */
  default List<Hit> vectorSearch(String modelId, float[] vector, int k, SearchFilter filter) throws IOException {
    Optional<String> held = modelId();
    if (held.isPresent() && !held.get().equals(modelId)) {
      throw new ModelMismatchException(held.get(), modelId);
    }
    return vectorSearch(vector, k, filter);
  }

  /**
   * The embedding model of the vectors this searcher holds; empty when unknown (an index without vectors yet, or a
   * store that does not record it). Query vectors must come from this model.
   */
  default Optional<String> modelId() throws IOException {
    return Optional.empty();
  }

  /**
   * A point-in-time view for one hybrid search, in which the retrievers return keys and scores and stored chunks are
   * read only for the candidates kept ({@link RetrievalView}). The default runs this searcher's one-phase searches;
   * a store that can defer reading stored fields (Lucene) overrides it. Close it after the search.
   */
  default RetrievalView view() throws IOException {
    return RetrievalView.loading(this);
  }

  /** Every chunk of a document, in ordinal order (vectors omitted). */
  List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException;

  /** Number of chunks the store holds. */
  long chunkCount() throws IOException;
}
