package io.ragstream.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a handler's exceptions become responses, all shaped {@code {"error": "..."}}:
 *
 * <ul>
 *   <li>{@link HttpError}: its status, message and headers;
 *   <li>{@link JsonProcessingException} (malformed JSON, wrong field types, unknown fields): 400;
 *   <li>{@link IllegalArgumentException}: 400 with its message. Validation in request records and services throws
 *       it, and they stay free of HTTP types this way; code below a handler must therefore not let an
 *       IllegalArgumentException with an internal message escape;
 *   <li>anything else: 500 with a generic message; the exception is logged, never sent.
 * </ul>
 */
public final class SafeHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SafeHandler.class);

  private final RequestHandler delegate;

  private SafeHandler(RequestHandler delegate) {
    this.delegate = delegate;
  }

  public static HttpHandler wrap(RequestHandler delegate) {
    return new SafeHandler(delegate);
  }

  @Override
  public void handle(HttpExchange exchange) {
    try (exchange) {
      securityHeaders(exchange);
      try {
        delegate.handle(new Request(exchange));
      } catch (HttpError e) {
        respond(exchange, e.status(), e.getMessage(), e.headers(), false);
      } catch (JsonProcessingException e) {
        respond(exchange, 400, HttpJson.describe(e), Map.of(), false);
      } catch (IllegalArgumentException e) {
        respond(exchange, 400, e.getMessage() == null ? "bad request" : e.getMessage(), Map.of(), false);
      } catch (Exception | Error e) {
        LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        respond(exchange, 500, "internal server error", Map.of(), true);
      }
    }
  }

  /**
   * Set on every response of every port, errors included: no MIME sniffing (a JSON error echoing input must never
   * be run as HTML or script), no Referer leaking ids or queries from the status page, no framing (clickjacking).
   * Pages add their own Content-Security-Policy ({@code StatusPage}).
   */
  static void securityHeaders(HttpExchange exchange) {
    var headers = exchange.getResponseHeaders();
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("X-Frame-Options", "DENY");
  }

  private static void respond(
      HttpExchange exchange, int status, String message, Map<String, String> headers, boolean logged) {
    if (exchange.getResponseCode() != -1) {
      // headers are out: the status can no longer change, and closing the exchange cuts the body short
      if (!logged) {
        LOG.warn("{} {}: error {} after the response started: {}", exchange.getRequestMethod(),
            exchange.getRequestURI(), status, message);
      }
      return;
    }
    try {
      headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      Responses.error(exchange, status, message);
    } catch (IOException e) {
      LOG.debug("could not send error response to {}", exchange.getRemoteAddress(), e);
    }
  }
}
