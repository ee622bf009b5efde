package io.ragstream.indexer.store;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Hybrid retrieval in two phases over one point-in-time view of a store: each retriever returns its candidates as
 * keys and scores only, and the caller reads the stored chunk of just the candidates it keeps ({@link #chunk}), e.g.
 * the fused top k of 100 candidates. Equal keys within one view mean the same chunk, so two retrievers' candidates
 * can be matched without reading either's stored fields.
 *
 * <p>{@link #keyword} and {@link #vector} may run concurrently on different threads. {@link #chunk} is called on the
 * thread that opened the view, for a key whose retriever has returned, possibly while the other retriever still
 * runs (a search reads its keyword candidates' chunks while the query is being embedded). Open a view with
 * {@link ChunkSearcher#view()}, and close it on the thread that opened it.
 */
public interface RetrievalView extends Closeable {

  /**
   * A retriever's candidate before its stored fields are read.
   *
   * @param key the chunk's identity within this view (a Lucene doc id, or a number per distinct chunk id)
   * @param score the retriever's own score: BM25, or cosine similarity, exactly as the retriever's {@link Hit} has it
   */
  record Candidate(long key, float score) {}

  /** The model of the vectors this view searches; empty when unknown (see {@link ChunkSearcher#modelId()}). */
  Optional<String> modelId() throws IOException;

  /** {@link ChunkSearcher#keywordSearch}'s ranking, as candidates. */
  List<Candidate> keyword(String query, int k, SearchFilter filter) throws IOException;

  /**
   * {@link ChunkSearcher#vectorSearch(String, float[], int, SearchFilter)}'s ranking, as candidates.
   *
   * @throws ModelMismatchException if the view's vectors are of another model than {@code modelId}
   */
  List<Candidate> vector(String modelId, float[] vector, int k, SearchFilter filter) throws IOException;

  /** The stored chunk behind a key that {@link #keyword} or {@link #vector} of this view returned. */
  StoredChunk chunk(long key) throws IOException;

  /** A view that runs {@code searcher}'s one-phase searches and keeps the chunks they return (the default view). */
  static RetrievalView loading(ChunkSearcher searcher) {
    return new LoadingView(searcher);
  }
}
