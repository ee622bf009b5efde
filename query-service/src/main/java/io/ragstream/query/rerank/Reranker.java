package io.ragstream.query.rerank;

import java.util.List;

/**
 * Re-scores retrieved passages against the query, typically with a cross-encoder that reads query and passage
 * together (more accurate than comparing independent embeddings, too slow to run over a whole index).
 */
public interface Reranker extends AutoCloseable {

  /** Identifies the model; part of query-cache keys, so swapping the model never serves the old model's order. */
  String id();

  /** One relevance score per passage, higher is more relevant; scores are comparable within one call only. */
  float[] score(String query, List<String> passages);

  @Override
  default void close() {}
}
