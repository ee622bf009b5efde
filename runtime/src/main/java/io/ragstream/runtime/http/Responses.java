package io.ragstream.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Writers of complete responses. Each sends headers and body in one go and leaves closing to the caller. */
public final class Responses {
  public static final String JSON = "application/json; charset=utf-8";

  private Responses() {}

  /** {@code body} serialised by {@link HttpJson#mapper()}. */
  public static void json(HttpExchange exchange, int status, Object body) throws IOException {
    // serialise before sending headers, so a serialisation failure can still become a clean 500
    send(exchange, status, JSON, HttpJson.mapper().writeValueAsBytes(body));
  }

  /** {@code {"error": message}} with the given status. */
  public static void error(HttpExchange exchange, int status, String message) throws IOException {
    json(exchange, status, Map.of("error", message));
  }

  public static void text(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    send(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  public static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean noBody = body.length == 0 || "HEAD".equals(exchange.getRequestMethod());
    // HttpServer reads length 0 as "chunked" and -1 as "no body"
    exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
