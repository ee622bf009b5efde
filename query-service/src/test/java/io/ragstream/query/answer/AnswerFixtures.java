package io.ragstream.query.answer;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.ModelTokenizer;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.query.SearchService;
import java.util.List;

/** A search service whose retrievers both return fixed hits. */
final class AnswerFixtures {
  private AnswerFixtures() {}

  static SearchService service(List<Hit> hits) {
    ChunkSearcher searcher = new ChunkSearcher() {
      @Override
      public List<Hit> keywordSearch(String query, int k, SearchFilter filter) {
        return hits;
      }

      @Override
      public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) {
        return hits;
      }

      @Override
      public List<StoredChunk> chunksOfDocument(String docId, String tenant) {
        return List.of();
      }

      @Override
      public long chunkCount() {
        return hits.size();
      }
    };
    return SearchService.builder(searcher, new OneDimension()).registry(new SimpleMeterRegistry()).build();
  }

  static final class OneDimension implements EmbeddingModel {
    @Override
    public String id() {
      return "one";
    }

    @Override
    public int dimension() {
      return 1;
    }

    @Override
    public int maxTokens() {
      return 512;
    }

    @Override
    public ModelTokenizer tokenizer() {
      throw new UnsupportedOperationException("not used");
    }

    @Override
    public float[][] embedAll(List<String> texts) {
      float[][] vectors = new float[texts.size()][];
      java.util.Arrays.setAll(vectors, i -> new float[] {1f});
      return vectors;
    }

    @Override
    public void close() {}
  }
}
