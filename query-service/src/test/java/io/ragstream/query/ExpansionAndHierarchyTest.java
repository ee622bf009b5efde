package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ragstream.query.answer.OpenAiChatClient;
import io.ragstream.query.expand.LlmQueryExpander;
import io.ragstream.indexer.store.StoredChunk;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExpansionAndHierarchyTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final StoredChunk A1 = chunk("a1", "docA");
  private static final StoredChunk A2 = chunk("a2", "docA");
  private static final StoredChunk B1 = chunk("b1", "docB");
  private static final StoredChunk C1 = chunk("c1", "docC");

  private final List<JsonNode> chatRequests = new CopyOnWriteArrayList<>();
  private HttpServer chat;

  /** A stand-in for an OpenAI-compatible server: answers every chat completion with two rephrasings. */
  @BeforeEach
  void startChatServer() throws Exception {
    chat = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    chat.createContext("/v1/chat/completions", exchange -> {
      try (exchange) {
        chatRequests.add(JSON.readTree(exchange.getRequestBody()));
        byte[] body = JSON.writeValueAsBytes(Map.of("id", "chatcmpl-1", "object", "chat.completion",
            "choices", List.of(Map.of("index", 0, "finish_reason", "stop",
                "message", Map.of("role", "assistant", "content", "1. gamma\n2. beta")))));
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
    });
    chat.start();
  }

  @AfterEach
  void stopChatServer() {
    chat.stop(0);
  }

  private LlmQueryExpander expander() {
    URI base = URI.create("http://127.0.0.1:" + chat.getAddress().getPort() + "/v1");
    return new LlmQueryExpander(new OpenAiChatClient(base, "tiny", "k", Duration.ofSeconds(5)), 2);
  }

  @Test
  void expandsAQueryThroughTheChatEndpointAndFusesTheRankingsByRrf() throws Exception {
    FakeChunkSearcher searcher = new FakeChunkSearcher().keyword(hit(A1, 3f), hit(B1, 2f));
    try (SearchService service = SearchService.builder(searcher, new FakeEmbeddingModel())
        .config(new SearchConfig(60, 50, 100)).expander(expander()).build()) {
      SearchResponse response = service.search(new SearchRequest("alpha", 2, SearchMode.KEYWORD, null, Map.of(),
          false, true));

      assertThat(chatRequests).singleElement().satisfies(r -> {
        assertThat(r.get("model").asText()).isEqualTo("tiny");
        assertThat(r.get("messages").get(1).get("content").asText()).contains("alpha");
      });
      assertThat(searcher.calls(SearchService.KEYWORD)).extracting(FakeChunkSearcher.Call::query)
          .containsExactlyInAnyOrder("alpha", "gamma", "beta");
      // each of the 3 queries ranks a1 first and b1 second: 3/61 and 3/62
      assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("a1", "b1");
      assertThat(response.results().get(0).score()).isEqualTo(3.0 / 61);
      assertThat(response.results().get(1).score()).isEqualTo(3.0 / 62);
      assertThat(response.results().get(0).ranks()).containsEntry(SearchService.MULTI_QUERY, 1);
    }
  }

  @Test
  void refusesExpansionWithoutAnExpander() {
    FakeChunkSearcher searcher = new FakeChunkSearcher();
    try (SearchService service = new SearchService(searcher, new FakeEmbeddingModel(), SearchConfig.defaults())) {
      assertThat(service.canExpand()).isFalse();
      assertThatThrownBy(() -> service.search(new SearchRequest("x", 2, SearchMode.HYBRID, null, Map.of(), false,
          true))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expand is not configured");
    }
  }

  @Test
  void hierarchicalModeRanksDocumentsByTheirBestChunkThenListsTheirChunks() throws Exception {
    // docB holds the single best chunk; docA's second chunk a2 is below c1 globally but is shown with its document
    FakeChunkSearcher searcher = new FakeChunkSearcher()
        .keyword(hit(B1, 5f), hit(A1, 4f), hit(C1, 3f), hit(A2, 1f))
        .vector(hit(B1, 0.9f), hit(A1, 0.8f), hit(C1, 0.7f), hit(A2, 0.1f));
    try (SearchService service = new SearchService(searcher, new FakeEmbeddingModel(), new SearchConfig(60, 50, 100))) {
      SearchResponse response = service.search(new SearchRequest("x", 5, SearchMode.HIERARCHICAL, null, Map.of()));

      assertThat(response.mode()).isEqualTo(SearchMode.HIERARCHICAL);
      assertThat(response.results()).extracting(SearchResult::chunkId).containsExactly("b1", "a1", "a2", "c1");
      assertThat(response.results()).extracting(r -> r.ranks().get(SearchService.DOCUMENT))
          .containsExactly(1, 2, 2, 3);
      assertThat(searcher.calls(SearchService.VECTOR)).extracting(c -> c.filter().docId())
          .containsExactlyInAnyOrder(null, "docA", "docB", "docC");
    }
  }
}
