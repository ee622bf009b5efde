package io.ragstream.query;

import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory {@link ChunkSearcher} whose retrievers return fixed ranked lists, filtered like a real store would
 * (tenant, metadata, docId), and which records every call so tests can check what reached each retriever.
 */
final class FakeChunkSearcher implements ChunkSearcher {
  record Call(String retriever, String query, float[] vector, int k, SearchFilter filter) {}

  /** Something a retriever may throw. */
  interface Hook {
    void run() throws IOException;
  }

  final List<Call> calls = new CopyOnWriteArrayList<>();
  /** The model each model-aware vector search named, in order. */
  final List<String> vectorModels = new CopyOnWriteArrayList<>();
  /** The model of the vectors this "store" holds; null: it does not say. */
  volatile String modelId;
  /** Set before a vector search checks the model: a generation of another model swapped in meanwhile. */
  volatile String swapBeforeVectorSearch;
  volatile Hook beforeKeyword = () -> {};
  volatile Hook beforeVector = () -> {};
  private final List<Hit> keywordRanking = new ArrayList<>();
  private final List<Hit> vectorRanking = new ArrayList<>();
  private final List<StoredChunk> all = new ArrayList<>();

  FakeChunkSearcher keyword(Hit... ranking) {
    keywordRanking.addAll(List.of(ranking));
    return this;
  }

  FakeChunkSearcher vector(Hit... ranking) {
    vectorRanking.addAll(List.of(ranking));
    return this;
  }

  FakeChunkSearcher store(StoredChunk... chunks) {
    all.addAll(List.of(chunks));
    return this;
  }

  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) throws IOException {
    calls.add(new Call("keyword", query, null, k, filter));
    beforeKeyword.run();
    return topK(keywordRanking, k, filter);
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    calls.add(new Call("vector", null, vector, k, filter));
    beforeVector.run();
    return topK(vectorRanking, k, filter);
  }

  @Override
  public List<Hit> vectorSearch(String model, float[] vector, int k, SearchFilter filter) throws IOException {
    vectorModels.add(model);
    String swapped = swapBeforeVectorSearch;
    if (swapped != null) {
      swapBeforeVectorSearch = null;
      modelId = swapped;
    }
    return ChunkSearcher.super.vectorSearch(model, vector, k, filter);
  }

  @Override
  public java.util.Optional<String> modelId() {
    return java.util.Optional.ofNullable(modelId);
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) {
    return all.stream()
        .filter(c -> c.docId().equals(docId) && c.tenant().equals(tenant))
        .sorted(Comparator.comparingInt(StoredChunk::ordinal))
        .toList();
  }

  @Override
  public long chunkCount() throws IOException {
    return all.size();
  }

  List<Call> calls(String retriever) {
    return calls.stream().filter(c -> c.retriever().equals(retriever)).toList();
  }

  private static List<Hit> topK(List<Hit> ranking, int k, SearchFilter filter) {
    return ranking.stream().filter(h -> matches(h.chunk(), filter)).limit(k).toList();
  }

  private static boolean matches(StoredChunk c, SearchFilter f) {
    return c.tenant().equals(f.tenant())
        && (f.docId() == null || f.docId().equals(c.docId()))
        && f.metadata().entrySet().stream().allMatch(e -> e.getValue().equals(c.metadata().get(e.getKey())));
  }

  static StoredChunk chunk(String chunkId, String docId) {
    return chunk(chunkId, docId, "default", Map.of());
  }

  static StoredChunk chunk(String chunkId, String docId, String tenant, Map<String, String> metadata) {
    return new StoredChunk(chunkId, docId, tenant, 7L, 0, "Title of " + docId, List.of("Intro", chunkId),
        "text of " + chunkId, docId + ".md", metadata, "fake-model", null, 1_700_000_000_000L);
  }

  static Hit hit(StoredChunk chunk, float score) {
    return new Hit(chunk, score);
  }
}
