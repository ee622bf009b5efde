package io.ragstream.query.answer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.indexer.store.Hit;
import io.ragstream.query.QueryHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerOverHttpTest {
  @Test
  void postAnswerIsExtractiveWithCitationsWhenNoLlmIsConfiguredAndBlankQueriesAre400() throws Exception {
    var search = AnswerFixtures.service(List.of(new Hit(ExtractiveAnswererTest.chunk("c1",
        "Zebras migrate across the Serengeti. Stripes are unique."), 1f)));
    try (QueryHttpServer server = new QueryHttpServer(0, search, new io.ragstream.indexer.store.ChunkSearcher() {
      @Override
      public List<Hit> keywordSearch(String q, int k, io.ragstream.indexer.store.SearchFilter f) {
        return List.of();
      }

      @Override
      public List<Hit> vectorSearch(float[] v, int k, io.ragstream.indexer.store.SearchFilter f) {
        return List.of();
      }

      @Override
      public List<io.ragstream.indexer.store.StoredChunk> chunksOfDocument(String d, String t) {
        return List.of();
      }

      @Override
      public long chunkCount() {
        return 0;
      }
    }, () -> true).start()) {
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/answer");
      HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri)
          .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"where do zebras migrate\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> blank = http.send(HttpRequest.newBuilder(uri)
          .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \" \"}")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      JsonNode body = new ObjectMapper().readTree(ok.body());
      assertThat(body.path("extractive").asBoolean()).isTrue();
      assertThat(body.path("answer").asText()).isEqualTo("Zebras migrate across the Serengeti. [c1]");
      assertThat(body.path("citations").get(0).path("chunkId").asText()).isEqualTo("c1");
      assertThat(blank.statusCode()).isEqualTo(400);
    }
  }
}
