package io.ragstream.runtime.http;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A failure with an HTTP status that is the client's to see: {@link SafeHandler} answers it as {@code {"error":
 * message}} with {@link #status()} and {@link #headers()}. Throw it from anywhere below a handler instead of writing
 * error responses by hand, so every endpoint fails in the same shape.
 */
public final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final Map<String, String> headers;

  public HttpError(int status, String message) {
    this(status, message, Map.of());
  }

  public HttpError(int status, String message, Map<String, String> headers) {
    // no stack trace: these are expected outcomes, thrown per bad request, and never logged with one
    super(message, null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    this.status = status;
    this.headers = Map.copyOf(headers);
  }

  public static HttpError badRequest(String message) {
    return new HttpError(400, message);
  }

  public static HttpError notFound(String message) {
    return new HttpError(404, message);
  }

  /** 405 with the {@code Allow} header that RFC 9110 requires. */
  public static HttpError methodNotAllowed(String method, Set<String> allowed) {
    String allow = String.join(", ", new TreeSet<>(allowed));
    return new HttpError(405, "method " + method + " is not allowed here; allowed: " + allow, Map.of("Allow", allow));
  }

  public static HttpError payloadTooLarge(long maxBytes) {
    return new HttpError(413, "request body exceeds the limit of " + maxBytes + " bytes");
  }

  public int status() {
    return status;
  }

  /** Extra response headers, e.g. {@code Allow}. */
  public Map<String, String> headers() {
    return headers;
  }
}
