package io.ragstream.indexer.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default {@link RetrievalView}: a store whose searches return whole chunks anyway (Elasticsearch, Qdrant, two
 * stores behind one searcher) is searched as before, one chunk id one key. Where both retrievers return a chunk, the
 * keyword side's copy is the one served, as fusion over the two hit lists did.
 */
final class LoadingView implements RetrievalView {
  private final ChunkSearcher searcher;
  private final Map<String, Long> keys = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong();
  private final Map<Long, StoredChunk> keywordChunks = new ConcurrentHashMap<>();
  private final Map<Long, StoredChunk> vectorChunks = new ConcurrentHashMap<>();

  LoadingView(ChunkSearcher searcher) {
    this.searcher = searcher;
  }

  @Override
  public Optional<String> modelId() throws IOException {
    return searcher.modelId();
  }

  @Override
  public List<Candidate> keyword(String query, int k, SearchFilter filter) throws IOException {
    return keep(searcher.keywordSearch(query, k, filter), keywordChunks);
  }

  @Override
  public List<Candidate> vector(String modelId, float[] vector, int k, SearchFilter filter) throws IOException {
    return keep(searcher.vectorSearch(modelId, vector, k, filter), vectorChunks);
  }

  private List<Candidate> keep(List<Hit> hits, Map<Long, StoredChunk> chunks) {
    List<Candidate> candidates = new ArrayList<>(hits.size());
    for (Hit hit : hits) {
      long key = keys.computeIfAbsent(hit.chunk().chunkId(), id -> next.getAndIncrement());
      chunks.putIfAbsent(key, hit.chunk());
      candidates.add(new Candidate(key, hit.score()));
    }
    return candidates;
  }

  @Override
  public StoredChunk chunk(long key) {
    StoredChunk chunk = keywordChunks.get(key);
    if (chunk == null) {
      chunk = vectorChunks.get(key);
    }
    if (chunk == null) {
      throw new IllegalArgumentException("no candidate of this view has key " + key);
    }
    return chunk;
  }

  @Override
  public void close() {}
}
