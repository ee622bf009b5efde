package io.ragstream.indexer.store;

import java.io.IOException;
import java.util.List;

/** The read side of a store, used by the query service. Filters are applied inside the retriever, before top-k. */
public interface ChunkSearcher {

  /** BM25 over chunk text (and title and headings). */
  List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException;

  /** Nearest neighbours of the vector (cosine / dot product on normalised vectors). */
  List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException;

  /** Every chunk of a document, in ordinal order (vectors omitted). */
  List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException;

  /** Number of chunks the store holds. */
  long chunkCount() throws IOException;
}
