package io.ragstream.runtime.auth;

import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.RequestHandler;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Puts {@link ApiKeys} and the {@link BrowserGuard} in front of a handler: the one gate of every port (query and
 * ingest). A key is presented as {@code Authorization: Bearer <key>} or {@code X-API-Key: <key>}; its
 * {@link ApiKeys.Principal} is attached to the exchange ({@link #tenant(Request, String, String)} and {@link
 * #principals(Request)} read it back). Without a valid key the answer is 401 JSON with {@code WWW-Authenticate}; the
 * {@code openPaths} (probes, metrics, the API description: no data in any of them) stay open so orchestrators and
 * Prometheus need no key, and are exempt from the browser checks for the same reason.
 *
 * <p>A request that names a tenant other than its key's is refused with 403 rather than silently served from the
 * key's tenant: a client that believes it is searching (or writing to) tenant B must not be served from tenant A as if
 * it were B. Naming the key's own tenant, or none, is fine.
 */
public final class Authentication implements RequestHandler {
  /**
   * Served without a key: liveness, readiness, Prometheus, the OpenAPI document and the status page's HTML (no data
   * in any of them; the page fetches its data with the key the user gives it).
   */
  public static final Set<String> OPEN_PATHS = Set.of("/", "/health", "/ready", "/metrics", "/openapi.json");

  /** Open paths that are pages a browser renders: no key needed, but the open-mode Host check still applies. */
  private static final Set<String> GUARDED_PAGES = Set.of("/");

  private static final String PRINCIPAL_ATTRIBUTE = "ragstream.principal";
  private static final Map<String, String> CHALLENGE = Map.of("WWW-Authenticate", "Bearer realm=\"ragstream\"");

  private final ApiKeys keys;
  private final Set<String> openPaths;
  private final BrowserGuard browsers;
  private final RequestHandler delegate;

  public Authentication(ApiKeys keys, RequestHandler delegate) {
    this(keys, OPEN_PATHS, BrowserGuard.fromEnvironment(System.getenv()), delegate);
  }

  public Authentication(ApiKeys keys, Set<String> openPaths, BrowserGuard browsers, RequestHandler delegate) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.openPaths = Set.copyOf(openPaths);
    this.browsers = Objects.requireNonNull(browsers, "browsers");
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public void handle(Request request) throws Exception {
    String path = normalised(request.rawPath());
    boolean open = openPaths.contains(path);
    // a rebound DNS name only matters while no key is needed: with keys the page of another origin has none. The
    // status page needs no key, yet a copy served under an attacker's name would run its script against this origin
    // with the origin's rights, so it is Host-checked like the API.
    if ((!open || GUARDED_PAGES.contains(path)) && keys.isOpen()) {
      browsers.checkHost(request);
    }
    if (!open) {
      browsers.checkSameOrigin(request);
      if (!keys.isOpen()) {
        ApiKeys.Principal principal = presentedKey(request).flatMap(keys::principalOf).orElseThrow(() ->
            new HttpError(401, "a valid API key is required: send 'Authorization: Bearer <key>' or"
                + " 'X-API-Key: <key>'", CHALLENGE));
        request.exchange().setAttribute(PRINCIPAL_ATTRIBUTE, principal);
      }
    }
    delegate.handle(request);
  }

  /**
   * The tenant a request acts for: its key's when authenticated (403 if {@code requested} names another), else
   * {@code requested}, else {@code fallback}. A named tenant must be a valid one ({@link InputLimits#tenant}): 400.
   */
  public static String tenant(Request request, String requested, String fallback) {
    if (requested != null) {
      InputLimits.tenant(requested);
    }
    Optional<ApiKeys.Principal> authenticated = principal(request);
    if (authenticated.isEmpty()) {
      return requested == null ? fallback : requested;
    }
    String own = authenticated.get().tenant();
    if (requested != null && !requested.equals(own)) {
      throw new HttpError(403, "this API key belongs to another tenant than '" + InputLimits.printable(requested)
          + "'; omit 'tenant' or use a key of that tenant");
    }
    return own;
  }

  /** The key's principal, empty in open mode (and on the open paths). */
  public static Optional<ApiKeys.Principal> principal(Request request) {
    return Optional.ofNullable((ApiKeys.Principal) request.exchange().getAttribute(PRINCIPAL_ATTRIBUTE));
  }

  /** The key's principals (for document ACLs); empty in open mode or for a key of the whole tenant. */
  public static List<String> principals(Request request) {
    return principal(request).map(ApiKeys.Principal::principals).orElse(List.of());
  }

  /** Whether the request was authenticated by a key (false in open mode). */
  public static boolean authenticated(Request request) {
    return principal(request).isPresent();
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
