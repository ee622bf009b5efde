package io.ragstream.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Router, SafeHandler, Request and Responses together, over a real server on an ephemeral port. */
class RouterTest {
  record Upload(String name, int size) {}

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    Router router = new Router()
        .get("/items/{id}", r -> Responses.json(r.exchange(), 200, Map.of("id", r.pathParam("id"))))
        .delete("/items/{id}", r -> Responses.json(r.exchange(), 200, Map.of("deleted", r.pathParam("id"))))
        .get("/files/{path...}", r -> Responses.json(r.exchange(), 200, Map.of("path", r.pathParam("path"))))
        .post("/upload", r -> Responses.json(r.exchange(), 201, r.json(Upload.class, 64)))
        .post("/raw", r -> Responses.text(r.exchange(), 200, "text/plain", new String(r.body(16))))
        .get("/teapot", r -> {
          throw new HttpError(418, "short and stout", Map.of("X-Reason", "tea"));
        })
        .get("/invalid", r -> {
          throw new IllegalArgumentException("limit must be positive");
        })
        .get("/boom", r -> {
          throw new IllegalStateException("password=hunter2");
        });
    server = HttpServers.create(0, SafeHandler.wrap(router));
    // a handler used without the router checks its method itself
    server.createContext("/direct", SafeHandler.wrap(r -> {
      r.requireMethod("POST", "PUT");
      Responses.json(r.exchange(), 200, Map.of("method", r.method()));
    }));
    server.start();
  }

  @AfterEach
  void stop() {
    HttpServers.stop(server, 0);
  }

  @Test
  void routesExactPathsAndDecodesPathParameters() throws Exception {
    assertThat(json(send("GET", "/items/a%20b+c", (String) null), 200).get("id").asText()).isEqualTo("a b+c");
    assertThat(json(send("GET", "/items/x/", (String) null), 200).get("id").asText()).isEqualTo("x");
    assertThat(json(send("DELETE", "/items/x", (String) null), 200).get("deleted").asText()).isEqualTo("x");
    assertThat(json(send("GET", "/files/a/b%2Fc/d.txt", (String) null), 200).get("path").asText())
        .isEqualTo("a/b/c/d.txt");
  }

  @Test
  void unmatchedPathsAre404AndOtherMethods405WithAllow() throws Exception {
    assertThat(error(send("GET", "/items", (String) null), 404)).contains("no such endpoint");
    assertThat(error(send("GET", "/items/x/y", (String) null), 404)).contains("no such endpoint");
    assertThat(error(send("GET", "/itemsx/1", (String) null), 404)).contains("no such endpoint");
    assertThat(error(send("GET", "/files", (String) null), 404)).contains("no such endpoint");
    HttpResponse<String> response = send("PUT", "/items/1", "{}");
    assertThat(error(response, 405)).contains("PUT");
    assertThat(response.headers().firstValue("Allow")).hasValue("DELETE, GET");
  }

  @Test
  void bindsJsonBodiesStrictly() throws Exception {
    assertThat(json(send("POST", "/upload", "{\"name\":\"a\",\"size\":3}"), 201).toString())
        .isEqualTo("{\"name\":\"a\",\"size\":3}");
    assertThat(error(send("POST", "/upload", "{\"name\":\"a\",\"size\":\"3\"}"), 400))
        .isEqualTo("field 'size' must be an integer");
    assertThat(error(send("POST", "/upload", "{oops"), 400)).startsWith("malformed JSON");
    assertThat(error(send("POST", "/upload", "null"), 400)).isEqualTo("request body must not be null");
  }

  @Test
  void bodiesOverTheLimitAre413WithOrWithoutContentLength() throws Exception {
    assertThat(send("POST", "/raw", "0123456789abcdef").body()).isEqualTo("0123456789abcdef");
    assertThat(error(send("POST", "/raw", "0123456789abcdefX"), 413)).contains("limit of 16 bytes");
    HttpResponse<String> chunked = send("POST", "/raw",
        BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[100_000])));
    assertThat(error(chunked, 413)).contains("limit of 16 bytes");
  }

  @Test
  void mapsExceptionsToJsonErrors() throws Exception {
    HttpResponse<String> teapot = send("GET", "/teapot", (String) null);
    assertThat(error(teapot, 418)).isEqualTo("short and stout");
    assertThat(teapot.headers().firstValue("X-Reason")).hasValue("tea");
    assertThat(error(send("GET", "/invalid", (String) null), 400)).isEqualTo("limit must be positive");
    HttpResponse<String> boom = send("GET", "/boom", (String) null);
    assertThat(error(boom, 500)).isEqualTo("internal server error");
    assertThat(boom.body()).doesNotContain("hunter2", "IllegalStateException", "\tat ");
  }

  @Test
  void requireMethodAnswers405WithAllow() throws Exception {
    assertThat(json(send("PUT", "/direct", "x"), 200).get("method").asText()).isEqualTo("PUT");
    HttpResponse<String> response = send("GET", "/direct", (String) null);
    assertThat(error(response, 405)).isEqualTo("method GET is not allowed here; allowed: POST, PUT");
    assertThat(response.headers().firstValue("Allow")).hasValue("POST, PUT");
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
  }

  private HttpResponse<String> send(String method, String path, BodyPublisher body) throws Exception {
    URI uri = URI.create("http://localhost:" + server.getAddress().getPort() + path);
    HttpRequest request = HttpRequest.newBuilder(uri).method(method, body).timeout(Duration.ofSeconds(10)).build();
    return client.send(request, BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response, int status) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(Responses.JSON);
    return HttpJson.mapper().readTree(response.body());
  }

  private static String error(HttpResponse<String> response, int status) throws IOException {
    JsonNode body = json(response, status);
    assertThat(body.size()).isEqualTo(1);
    return body.get("error").asText();
  }
}
