package io.ragstream.query.answer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ragstream.indexer.store.Hit;
import io.ragstream.query.SearchResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against a stand-in for an OpenAI-compatible server (no such server runs here): a JDK HTTP server that records the
 * request and answers like {@code /v1/chat/completions}.
 */
class GenerativeAnswererTest {
  private final AtomicReference<JsonNode> request = new AtomicReference<>();
  private final AtomicReference<String> authorization = new AtomicReference<>();
  private volatile int status = 200;
  private volatile String reply = "";
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", exchange -> {
      request.set(new ObjectMapper().readTree(exchange.getRequestBody()));
      authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      byte[] body = new ObjectMapper().writeValueAsBytes(status == 200
          ? Map.of("choices", List.of(Map.of("message", Map.of("role", "assistant", "content", reply))))
          : Map.of("error", Map.of("message", "model not found")));
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private GenerativeAnswerer answerer(int budget) {
    var search = AnswerFixtures.service(List.of(
        new Hit(ExtractiveAnswererTest.chunk("c1", "Zebras migrate every year."), 2f),
        new Hit(ExtractiveAnswererTest.chunk("c2", "Lions hunt zebras at night."), 1f)));
    var chat = new OpenAiChatClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1"),
        "llama3", "secret", Duration.ofSeconds(10));
    return new GenerativeAnswerer(search, chat, new ContextPacker(budget));
  }

  @Test
  void sendsTheQuestionWithLabelledContextAndKeepsOnlyCitationsOfPackedChunks() throws IOException {
    reply = "They migrate yearly [c1], though [c9] says otherwise.";

    Answerer.Answer answer = answerer(1000).answer("When do zebras migrate?", "default");

    assertThat(answer.extractive()).isFalse();
    assertThat(answer.model()).isEqualTo("llama3");
    assertThat(answer.answer()).isEqualTo(reply);
    assertThat(answer.citations()).extracting(Answerer.Citation::chunkId).as("c9 was never in the context")
        .containsExactly("c1");
    JsonNode sent = request.get();
    assertThat(sent.path("model").asText()).isEqualTo("llama3");
    assertThat(sent.path("temperature").asInt()).isZero();
    assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo(GenerativeAnswerer.SYSTEM);
    assertThat(sent.path("messages").get(1).path("content").asText())
        .contains("[c1] Zebras migrate every year.", "[c2] Lions hunt zebras", "Question: When do zebras migrate?");
    assertThat(authorization.get()).isEqualTo("Bearer secret");
  }

  @Test
  void theTokenBudgetCutsTheContextAtAPrefixOfTheRanking() throws IOException {
    reply = "ok";
    // "[c1] Zebras migrate every year.\n\n" is 33 characters, 9 estimated tokens; c2 would need 8 more
    answerer(10).answer("zebras", "default");
    assertThat(request.get().path("messages").get(1).path("content").asText()).contains("[c1]")
        .doesNotContain("[c2]");
  }

  @Test
  void anEndpointErrorIsReportedWithItsStatus() {
    status = 404;
    assertThatThrownBy(() -> answerer(1000).answer("zebras", "default")).isInstanceOf(IOException.class)
        .hasMessageContaining("404").hasMessageContaining("model not found");
  }

  @Test
  void packerEstimatesFourCharactersPerToken() {
    assertThat(ContextPacker.estimateTokens("abcd")).isEqualTo(1);
    assertThat(ContextPacker.estimateTokens("abcde")).isEqualTo(2);
    SearchResult big = new SearchResult("x", "d", 1, "y".repeat(100), List.of(), Map.of(), "", Map.of(), Map.of());
    assertThat(new ContextPacker(5).pack(List.of(big))).isEmpty();
  }

  @Test
  void configurationComesFromTheEnvironmentAndFallsBackToExtractive() {
    var search = AnswerFixtures.service(List.of());
    assertThat(Answerers.fromEnvironment(Map.of(), search)).isInstanceOf(ExtractiveAnswerer.class);
    assertThat(Answerers.fromEnvironment(Map.of("RAGSTREAM_LLM_BASE_URL", "http://localhost:11434/v1",
        "RAGSTREAM_LLM_MODEL", "llama3"), search)).isInstanceOf(GenerativeAnswerer.class);
    assertThatThrownBy(() -> Answerers.fromEnvironment(Map.of("RAGSTREAM_LLM_BASE_URL", "http://x/v1"), search))
        .hasMessageContaining("RAGSTREAM_LLM_MODEL");
  }
}
