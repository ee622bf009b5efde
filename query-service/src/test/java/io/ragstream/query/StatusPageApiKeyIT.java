package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.query.ui.StatusPage;
import io.ragstream.runtime.http.Responses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page on a query server that requires API keys: its HTML is served without one, and in a real headless
 * Chromium (driven over the DevTools protocol, since a key has to be typed in) it asks for a key, keeps it in the
 * tab's sessionStorage and sends it as a Bearer token, so the overview and a search answer for the key's tenant.
 * The overview is a stand-in of ours (the real one needs Kafka); search, authentication and the page are the real
 * ones.
 */
class StatusPageApiKeyIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = "acme-key-7f3a";

  private final FakeChunkSearcher searcher = new FakeChunkSearcher()
      .keyword(hit(chunk("owl-1", "owls", "acme", Map.of()), 2f))
      .vector(hit(chunk("owl-1", "owls", "acme", Map.of()), 0.9f));
  private final List<String> overviewUris = new CopyOnWriteArrayList<>();
  private SearchService service;
  private QueryHttpServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    service = new SearchService(searcher, new FakeEmbeddingModel(), SearchConfig.defaults());
    server = new QueryHttpServer(0, service, searcher, () -> true)
        .apiKeys(ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, KEY + "=acme")))
        .routes(router -> StatusPage.routes(router, StatusPage.page(), r -> {
          overviewUris.add(r.exchange().getRequestURI().toString());
          Responses.json(r.exchange(), 200, Map.of("at", "2026-01-01T00:00:00Z", "documents", 1,
              "stages", List.of(Map.of("group", "ragstream.embedder", "committed", 5, "end", 5, "lag", 0)),
              "deadLetters", Map.of("extract", 0), "recent", List.of()));
        }))
        .start();
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
    service.close();
  }

  @Test
  void thePageIsServedWithoutAKeyAndItsDataOnlyWithOne() throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("id=\"api-key\"", "type=\"password\"", "Authorization", "sessionStorage");
      HttpResponse<String> data = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/ops/overview")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(data.statusCode()).isEqualTo(401);
    }
    assertThat(overviewUris).isEmpty();
  }

  @Test
  void inChromiumTheKeyTypedIntoThePageIsSentAsABearerTokenAndNeverInAUrl(@TempDir Path profile) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
        "Chromium not installed at " + CHROMIUM + " (Debian: apt-get install chromium); the page's key handling is"
            + " not tested in a browser");
    Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0",
        "--remote-allow-origins=*", "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (HttpClient http = HttpClient.newHttpClient()) {
      int port = devToolsPort(chromium);
      JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
      String socket = null;
      for (JsonNode target : targets) {
        if ("page".equals(target.path("type").asText())) {
          socket = target.path("webSocketDebuggerUrl").asText();
        }
      }
      assertThat(socket).as("a page target in " + targets).isNotNull();
      try (DevTools page = DevTools.connect(http, socket)) {
        page.call("Page.enable", Map.of());
        CompletableFuture<JsonNode> loaded = page.event("Page.loadEventFired");
        page.call("Page.navigate", Map.of("url", base + "/"));
        loaded.get(60, TimeUnit.SECONDS);
        JsonNode outcome = page.evaluate("""
            (async () => {
              const until = async (f) => {
                for (let i = 0; i < 200; i++) { const v = f(); if (v) return v; await new Promise(r => setTimeout(r, 50)); }
                return null;
              };
              await until(() => document.readyState === "complete" && document.getElementById("key-form"));
              const asked = await until(() => {
                const s = document.getElementById("key-status").textContent;
                return s.includes("requires") ? s : null;
              });
              document.getElementById("api-key").value = "%s";
              document.getElementById("key-form").requestSubmit();
              const stage = await until(() => document.querySelector("#stages tr[data-group]"));
              document.getElementById("q").value = "owls at night";
              document.getElementById("search-form").requestSubmit();
              const result = await until(() => document.querySelector("#results .result"));
              return JSON.stringify({
                asked: asked,
                status: document.getElementById("key-status").textContent,
                stage: stage && stage.dataset.group,
                result: result && result.textContent,
                field: document.getElementById("api-key").value,
                stored: sessionStorage.getItem("ragstream.apiKey"),
                url: location.href
              });
            })()
            """.formatted(KEY));

        assertThat(outcome.path("asked").asText()).contains("requires an API key");
        assertThat(outcome.path("stage").asText()).isEqualTo("ragstream.embedder");
        assertThat(outcome.path("result").asText()).contains("text of owl-1");
        assertThat(outcome.path("status").asText()).contains("using the key");
        assertThat(outcome.path("field").asText()).as("the key leaves the page's DOM").isEmpty();
        assertThat(outcome.path("stored").asText()).isEqualTo(KEY);
        assertThat(outcome.path("url").asText()).doesNotContain(KEY);
      }
    } finally {
      chromium.destroy();
      if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
        chromium.destroyForcibly();
      }
    }
    // the search ran for the key's tenant: the key reached the server as a Bearer token
    assertThat(searcher.calls).isNotEmpty().allSatisfy(c -> assertThat(c.filter().tenant()).isEqualTo("acme"));
    assertThat(overviewUris).isNotEmpty().noneMatch(u -> u.contains(KEY));
  }

  /** Chromium prints the DevTools endpoint on stderr once it listens. */
  private static int devToolsPort(Process chromium) throws Exception {
    Pattern listening = Pattern.compile("DevTools listening on ws://[^:]+:(\\d+)/");
    BufferedReader err = new BufferedReader(new InputStreamReader(chromium.getErrorStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line = err.readLine(); line != null; line = err.readLine()) {
          Matcher m = listening.matcher(line);
          if (m.find()) {
            Thread.ofPlatform().daemon().start(() -> drain(err)); // keep the pipe from filling up
            return Integer.parseInt(m.group(1));
          }
        }
        throw new IllegalStateException("chromium exited without a DevTools endpoint");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    return port.get(60, TimeUnit.SECONDS);
  }

  private static void drain(BufferedReader reader) {
    try {
      while (reader.readLine() != null) {
        // discarded: chromium's log
      }
    } catch (java.io.IOException ignored) {
      // the process ended
    }
  }

  /** The few DevTools protocol calls this test needs, over the JDK's WebSocket client. */
  private static final class DevTools implements WebSocket.Listener, AutoCloseable {
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<JsonNode>> events = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    static DevTools connect(HttpClient http, String url) throws Exception {
      DevTools devTools = new DevTools();
      devTools.socket = http.newWebSocketBuilder().buildAsync(URI.create(url), devTools).get(30, TimeUnit.SECONDS);
      return devTools;
    }

    JsonNode call(String method, Map<String, Object> params) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonNode> answer = new CompletableFuture<>();
      pending.put(id, answer);
      socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
          .get(30, TimeUnit.SECONDS);
      JsonNode response = answer.get(60, TimeUnit.SECONDS);
      assertThat(response.has("error")).as(method + ": " + response).isFalse();
      return response.path("result");
    }

    /** Completes with the next event named {@code method}. */
    CompletableFuture<JsonNode> event(String method) {
      return events.computeIfAbsent(method, m -> new CompletableFuture<>());
    }

    /** Runs {@code expression} (a promise of a JSON string) in the page and parses what it resolves to. */
    JsonNode evaluate(String expression) throws Exception {
      JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "awaitPromise", true,
          "returnByValue", true));
      assertThat(result.has("exceptionDetails")).as(result.toString()).isFalse();
      return JSON.readTree(result.path("result").path("value").asText());
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(partial.toString());
          CompletableFuture<JsonNode> waiting = message.has("id") ? pending.remove(message.path("id").asInt()) : null;
          if (waiting != null) {
            waiting.complete(message);
          }
          CompletableFuture<JsonNode> event = message.has("method") ? events.remove(message.path("method").asText())
              : null;
          if (event != null) {
            event.complete(message);
          }
        } catch (java.io.IOException e) {
          pending.values().forEach(f -> f.completeExceptionally(e));
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public void close() {
      socket.abort();
    }
  }
}
