package io.ragstream.runtime.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One HTTP exchange as a handler sees it: method, path parameters (filled in by {@link Router}), decoded query
 * parameters, and a size-limited body. Errors are thrown as {@link HttpError} or Jackson exceptions, which
 * {@link SafeHandler} turns into JSON responses.
 */
public final class Request {
  /** The default body limit of the JSON APIs. */
  public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;

  // A client that sent a too-large body still waits for our answer; reading (and discarding) a bounded excess lets
  // it see the 413 instead of a connection reset, without letting a huge upload tie up the server.
  private static final long MAX_DRAIN_BYTES = 16L << 20;

  private final HttpExchange exchange;
  private final Map<String, String> pathParams;
  private QueryParams query;

  public Request(HttpExchange exchange) {
    this(exchange, Map.of());
  }

  private Request(HttpExchange exchange, Map<String, String> pathParams) {
    this.exchange = exchange;
    this.pathParams = Map.copyOf(pathParams);
  }

  /** A view of this request with the given path parameters. */
  public Request withPathParams(Map<String, String> params) {
    return new Request(exchange, params);
  }

  public HttpExchange exchange() {
    return exchange;
  }

  public String method() {
    return exchange.getRequestMethod();
  }

  /** The raw (still percent-encoded) path. */
  public String rawPath() {
    return exchange.getRequestURI().getRawPath();
  }

  /** A decoded path parameter of the matched route, e.g. {@code docId} of {@code /v1/documents/{docId}}. */
  public String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null) {
      throw new IllegalStateException("route has no path parameter " + name);
    }
    return value;
  }

  public QueryParams query() {
    if (query == null) {
      query = QueryParams.parse(exchange.getRequestURI().getRawQuery());
    }
    return query;
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(exchange.getRequestHeaders().getFirst(name));
  }

  /** 405 (with {@code Allow}) unless the method is one of {@code allowed}. */
  public void requireMethod(String... allowed) {
    Set<String> set = Set.of(allowed);
    if (!set.contains(method())) {
      throw HttpError.methodNotAllowed(method(), set);
    }
  }

  /** The whole body, or 413 if it is longer than {@code maxBytes}. */
  public byte[] body(long maxBytes) throws IOException {
    InputStream in = exchange.getRequestBody();
    long declared = header("Content-Length").map(Request::parseLength).orElse(-1L);
    if (declared > maxBytes) {
      drain(in);
      throw HttpError.payloadTooLarge(maxBytes);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), 1 << 20));
    byte[] buf = new byte[8192];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      total += n;
      if (total > maxBytes) {
        // chunked uploads carry no length up front: stop at the limit
        drain(in);
        throw HttpError.payloadTooLarge(maxBytes);
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /**
   * The body bound to {@code type} by the strict {@link HttpJson#mapper()}; 413 if over {@code maxBytes}, 400 (via
   * {@link SafeHandler}) if malformed, of the wrong shape or JSON {@code null}.
   */
  public <T> T json(Class<T> type, long maxBytes) throws IOException {
    ObjectMapper mapper = HttpJson.mapper();
    T value = mapper.readValue(body(maxBytes), type);
    if (value == null) {
      throw HttpError.badRequest("request body must not be null");
    }
    return value;
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw HttpError.badRequest("invalid Content-Length: " + value);
    }
  }

  private void drain(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    long drained = 0;
    for (int n; drained < MAX_DRAIN_BYTES && (n = in.read(buf)) > 0; ) {
      drained += n;
    }
    if (drained >= MAX_DRAIN_BYTES) {
      // still more to come: drop this connection rather than read an unbounded upload
      exchange.getResponseHeaders().set("Connection", "close");
    }
  }
}
