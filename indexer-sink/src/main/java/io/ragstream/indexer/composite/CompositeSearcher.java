package io.ragstream.indexer.composite;

import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * One {@link ChunkSearcher} over two stores: keyword search from one (Elasticsearch), vector search from the other
 * (Qdrant). Each delegate applies the tenant and the filters itself, before its own top-k, so fusion downstream
 * (the query service's RRF) sees exactly what it sees with Lucene. Document listings and counts come from the
 * keyword store, which holds every chunk's text; each store is written by its own indexer with its own committed
 * progress, so during catch-up the two may differ by what one has not indexed yet.
 */
public final class CompositeSearcher implements ChunkSearcher {
  private final ChunkSearcher keywords;
  private final ChunkSearcher vectors;

  public CompositeSearcher(ChunkSearcher keywords, ChunkSearcher vectors) {
    this.keywords = Objects.requireNonNull(keywords, "keywords");
    this.vectors = Objects.requireNonNull(vectors, "vectors");
  }

  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException {
    return keywords.keywordSearch(query, k, filter);
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    return vectors.vectorSearch(vector, k, filter);
  }

  @Override
  public List<Hit> vectorSearch(String modelId, float[] vector, int k, SearchFilter filter) throws IOException {
    return vectors.vectorSearch(modelId, vector, k, filter);
  }

  /** The vector side's model: the one query vectors must come from. */
  @Override
  public java.util.Optional<String> modelId() throws IOException {
    return vectors.modelId();
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    return keywords.chunksOfDocument(docId, tenant);
  }

  @Override
  public long chunkCount() throws IOException {
    return keywords.chunkCount();
  }
}
