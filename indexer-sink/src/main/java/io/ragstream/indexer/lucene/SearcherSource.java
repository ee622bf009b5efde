package io.ragstream.indexer.lucene;

import java.io.IOException;
import org.apache.lucene.search.IndexSearcher;

/** Where {@link IndexSearches} gets a point-in-time searcher, and gives it back after one request. */
interface SearcherSource {

  /** A searcher to use for one request, or null while there is no index to search yet. */
  IndexSearcher acquire() throws IOException;

  void release(IndexSearcher searcher) throws IOException;
}
