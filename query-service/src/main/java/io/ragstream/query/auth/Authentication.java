package io.ragstream.query.auth;

import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.RequestHandler;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Puts {@link ApiKeys} in front of a handler. A key is presented as {@code Authorization: Bearer <key>} or {@code
 * X-API-Key: <key>}; its tenant is attached to the exchange ({@link #tenant(Request, String)} reads it back). Without
 * a valid key the answer is 401 JSON with {@code WWW-Authenticate}; the {@linkplain #OPEN_PATHS probe, metrics and
 * API description paths} stay open so orchestrators and Prometheus need no key.
 *
 * <p>A request that names a tenant other than its key's is refused with 403 rather than silently served from the
 * key's tenant: a client that believes it is searching tenant B must not be shown tenant A's results as if they were
 * B's. Naming the key's own tenant, or none, is fine.
 */
public final class Authentication implements RequestHandler {
  /**
   * Served without a key: liveness, readiness, Prometheus, the OpenAPI document and the status page's HTML (no data
   * in any of them; the page fetches its data with the key the user gives it).
   */
  public static final Set<String> OPEN_PATHS = Set.of("/", "/health", "/ready", "/metrics", "/openapi.json");

  private static final String TENANT_ATTRIBUTE = "ragstream.tenant";
  private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"ragstream\"");

  private final ApiKeys keys;
  private final RequestHandler delegate;

  public Authentication(ApiKeys keys, RequestHandler delegate) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public void handle(Request request) throws Exception {
    if (!keys.isOpen() && !OPEN_PATHS.contains(normalised(request.rawPath()))) {
      String tenant = presentedKey(request).flatMap(keys::tenantOf).orElseThrow(() -> new HttpError(401,
          "a valid API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'", CHALLENGE));
      request.exchange().setAttribute(TENANT_ATTRIBUTE, tenant);
    }
    delegate.handle(request);
  }

  /**
   * The tenant a request acts for: its key's when authenticated (403 if {@code requested} names another), else
   * {@code requested}, else {@code fallback}.
   */
  public static String tenant(Request request, String requested, String fallback) {
    Object authenticated = request.exchange().getAttribute(TENANT_ATTRIBUTE);
    if (authenticated == null) {
      return requested == null ? fallback : requested;
    }
    if (requested != null && !requested.equals(authenticated)) {
      throw new HttpError(403, "this API key belongs to another tenant than '" + requested
          + "'; omit 'tenant' or use a key of that tenant");
    }
    return (String) authenticated;
  }

  private static Optional<String> presentedKey(Request request) {
    Optional<String> bearer = request.header("Authorization")
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .map(h -> h.substring(7).strip());
    return bearer.isPresent() ? bearer : request.header("X-API-Key").map(String::strip);
  }

  private static String normalised(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
