package io.ragstream.query.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.query.QueryHttpServer;
import io.ragstream.query.SearchService;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rerank=true} over HTTP with a configured {@link OnnxCrossEncoder} (the generated model of {@link TinyOnnx}). */
class RerankOverHttpTest {
  @TempDir Path dir;

  @Test
  void rerankIsAcceptedAndReordersByTheCrossEncoderWhenAModelIsConfigured() throws Exception {
    Files.write(dir.resolve("model.onnx"), TinyOnnx.tokenIdSumClassifier());
    try (InputStream tokenizer = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
      Files.copy(tokenizer, dir.resolve("tokenizer.json"));
    }
    // keyword order: short first; the token-id-sum model prefers the longer passage
    ChunkSearcher searcher = new ChunkSearcher() {
      @Override
      public List<Hit> keywordSearch(String query, int k, SearchFilter filter) {
        return List.of(new Hit(chunk("short", "zebra"), 2f),
            new Hit(chunk("long", "zebras migrate across the Serengeti plains every year"), 1f));
      }

      @Override
      public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) {
        return List.of();
      }

      @Override
      public List<StoredChunk> chunksOfDocument(String docId, String tenant) {
        return List.of();
      }

      @Override
      public long chunkCount() {
        return 2;
      }
    };
    try (OnnxCrossEncoder encoder = OnnxCrossEncoder.load(dir);
        SearchService service = SearchService.builder(searcher, new ConstantModel()).reranker(encoder)
            .registry(new SimpleMeterRegistry()).build();
        QueryHttpServer server = new QueryHttpServer(0, service, searcher, () -> true).start()) {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + server.port() + "/v1/search?q=zebras&mode=keyword&rerank=true")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode results = new ObjectMapper().readTree(response.body()).path("results");
      assertThat(results.get(0).path("chunkId").asText()).isEqualTo("long");
      assertThat(results.get(0).path("ranks").path("rerank").asInt()).isEqualTo(1);
      assertThat(results.get(0).path("ranks").path("keyword").asInt()).isEqualTo(2);
    }
  }

  private static StoredChunk chunk(String id, String text) {
    return new StoredChunk(id, "doc-" + id, "default", 1L, 0, "", List.of(), text, id + ".txt", Map.of(), "m", null,
        1L);
  }

  /** Keyword mode never embeds; the service still needs a model. */
  private static final class ConstantModel implements EmbeddingModel {
    @Override
    public String id() {
      return "constant";
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
    public io.ragstream.embedding.ModelTokenizer tokenizer() {
      throw new UnsupportedOperationException("not used in keyword mode");
    }

    @Override
    public float[][] embedAll(List<String> texts) {
      return new float[texts.size()][1];
    }

    @Override
    public void close() {}
  }
}
