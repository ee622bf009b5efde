package io.ragstream.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Queries are embedded with the model of the vectors they are compared with, which a generation swap may change. */
class QueryModelFollowingTest {
  private static final StoredChunk A = new StoredChunk("a", "doc1", "default", 1, 0, null, List.of(), "text a", null,
      Map.of(), "m", null, 0);

  private final FakeChunkSearcher searcher = new FakeChunkSearcher().vector(new Hit(A, 0.9f));
  private final FakeEmbeddingModel configured = new FakeEmbeddingModel();
  private final List<FakeEmbeddingModel> loaded = new CopyOnWriteArrayList<>();

  private SearchService service() {
    return SearchService.builder(searcher, configured).registry(new SimpleMeterRegistry())
        .modelLoader(id -> {
          FakeEmbeddingModel model = new FakeEmbeddingModel(id);
          loaded.add(model);
          return model;
        }).build();
  }

  @Test
  void aStoreWithoutARecordedModelIsQueriedWithTheConfiguredOne() throws IOException {
    try (SearchService service = service()) {
      service.search(new SearchRequest("owls", 5, SearchMode.VECTOR, null, null));
    }
    assertThat(searcher.vectorModels).containsExactly("fake-model");
    assertThat(searcher.calls("vector").getFirst().vector()).containsExactly(FakeEmbeddingModel.vector("owls"));
    assertThat(loaded).isEmpty();
  }

  @Test
  void aGenerationOfAnotherModelIsQueriedWithThatModelLoadedOnceAndClosedWithTheService() throws IOException {
    searcher.modelId = "model-two";
    try (SearchService service = service()) {
      service.search(new SearchRequest("owls", 5, SearchMode.HYBRID, null, null));
      service.search(new SearchRequest("otters", 5, SearchMode.VECTOR, null, null));
      assertThat(loaded).extracting(FakeEmbeddingModel::id).containsExactly("model-two");
      assertThat(loaded.getFirst().closed).isFalse();
    }
    assertThat(searcher.vectorModels).containsExactly("model-two", "model-two");
    assertThat(searcher.calls("vector").getFirst().vector()[2]).as("embedded by model-two")
        .isEqualTo("model-two".length());
    assertThat(loaded.getFirst().closed).isTrue();
    assertThat(configured.closed).as("the configured model belongs to the caller").isFalse();
  }

  @Test
  void aSwapBetweenEmbeddingAndSearchingEmbedsTheQueryAgainWithTheNewModel() throws IOException {
    searcher.swapBeforeVectorSearch = "model-three";
    try (SearchService service = service()) {
      SearchResponse response = service.search(new SearchRequest("owls", 5, SearchMode.VECTOR, null, null));
      assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("a");
    }
    assertThat(searcher.vectorModels).containsExactly("fake-model", "model-three");
    assertThat(searcher.calls("vector")).hasSize(1); // the vector of the wrong model never reached the store
    assertThat(searcher.calls("vector").getFirst().vector()[2]).isEqualTo("model-three".length());
  }

  @Test
  void aModelThisServiceCannotLoadFailsNamingIt() {
    searcher.modelId = "no-such-model";
    try (SearchService service = SearchService.builder(searcher, configured).registry(new SimpleMeterRegistry())
        .modelLoader(id -> {
          throw new IllegalArgumentException("unknown model " + id);
        }).build()) {
      assertThatThrownBy(() -> service.search(new SearchRequest("owls", 5, SearchMode.VECTOR, null, null)))
          .hasStackTraceContaining("the served index generation holds vectors of model no-such-model");
    }
  }

  @Test
  void anIndexOfAModelWithAnInt8TwinIsSearchedWithTheTwinsQueryVectorLabelledWithTheIndexModel()
      throws IOException {
    searcher.modelId = "all-minilm-l6-v2";
    try (SearchService service = SearchService.builder(searcher, configured).registry(new SimpleMeterRegistry())
        .quantizedQueries(true).modelLoader(id -> {
          FakeEmbeddingModel model = new FakeEmbeddingModel(id);
          loaded.add(model);
          return model;
        }).build()) {
      service.search(new SearchRequest("owls", 5, SearchMode.HYBRID, null, null));
      SearchService.Embeddings embeddings = service.embedQueries(List.of("owls"));
      assertThat(embeddings.modelId()).isEqualTo("all-minilm-l6-v2");
      assertThat(embeddings.vectors().getFirst()[2]).as("/v1/embeddings uses the model itself")
          .isEqualTo("all-minilm-l6-v2".length());
    }
    assertThat(searcher.vectorModels).as("the model check still names the index's model")
        .containsExactly("all-minilm-l6-v2");
    assertThat(searcher.calls("vector").getFirst().vector()[2]).as("embedded by the int8 twin")
        .isEqualTo("all-minilm-l6-v2-q".length());
  }

  @Test
  void withQuantizedQueriesOffOrNoTwinTheIndexModelItselfEmbedsTheQuery() throws IOException {
    searcher.modelId = "all-minilm-l6-v2";
    try (SearchService service = SearchService.builder(searcher, configured).registry(new SimpleMeterRegistry())
        .quantizedQueries(false).modelLoader(FakeEmbeddingModel::new).build()) {
      service.search(new SearchRequest("owls", 5, SearchMode.VECTOR, null, null));
    }
    searcher.modelId = "model-two"; // no twin ships for it
    try (SearchService service = SearchService.builder(searcher, configured).registry(new SimpleMeterRegistry())
        .quantizedQueries(true).modelLoader(FakeEmbeddingModel::new).build()) {
      service.search(new SearchRequest("otters", 5, SearchMode.VECTOR, null, null));
    }
    assertThat(searcher.calls("vector")).extracting(c -> c.vector()[2])
        .containsExactly((float) "all-minilm-l6-v2".length(), (float) "model-two".length());
  }
}
