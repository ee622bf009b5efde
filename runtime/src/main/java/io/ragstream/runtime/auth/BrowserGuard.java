package io.ragstream.runtime.auth;

import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.http.Request;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What protects the HTTP ports from web pages the operator happens to visit (the browser is the attacker's client):
 *
 * <ul>
 *   <li><b>Cross-site writes</b> (CSRF): a state-changing request (anything but GET and HEAD) that a browser marks as
 *       coming from another origin, by {@code Sec-Fetch-Site: cross-site|same-site} or by an {@code Origin} that is
 *       not the {@code Host} (or is {@code null}), is refused with 403. A form or {@code fetch} with a simple content
 *       type needs no CORS preflight, so without this check any page could upload to or delete from a local stack.
 *       Non-browser clients (curl, SDKs, the CLI) send neither header and pass.
 *   <li><b>DNS rebinding</b>: while no API key is configured (open mode), the {@code Host} header must be a loopback
 *       name ({@code localhost}, {@code *.localhost}), an IP literal, or one of {@value #ALLOWED_HOSTS_ENV} (comma
 *       separated; {@code *} allows any). A page of {@code evil.example} rebound to 127.0.0.1 sends {@code Host:
 *       evil.example} and gets 403, so it can neither read the status page nor write. With keys configured the check
 *       is not needed: a rebound page holds no key.
 * </ul>
 */
public final class BrowserGuard {
  public static final String ALLOWED_HOSTS_ENV = "RAGSTREAM_ALLOWED_HOSTS";

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD");
  private static final Set<String> SAME_SITE_FETCH = Set.of("same-origin", "none");

  private final Set<String> allowedHosts;

  private BrowserGuard(Set<String> allowedHosts) {
    this.allowedHosts = Set.copyOf(allowedHosts);
  }

  /** Loopback names and IP literals only, plus {@code extraHosts} (lower case, no port; {@code *} for any). */
  public static BrowserGuard allowing(Set<String> extraHosts) {
    return new BrowserGuard(extraHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT))
        .filter(h -> !h.isEmpty()).collect(Collectors.toSet()));
  }

  /** Reads {@value #ALLOWED_HOSTS_ENV}. */
  public static BrowserGuard fromEnvironment(Map<String, String> env) {
    String hosts = env.getOrDefault(ALLOWED_HOSTS_ENV, "");
    return allowing(Set.copyOf(Arrays.asList(hosts.split(","))));
  }

  /** 403 unless the Host header names this machine by loopback name or address, or an allowed host. */
  void checkHost(Request request) {
    Optional<String> host = request.header("Host");
    if (host.isEmpty() || allowedHosts.contains("*")) {
      return; // HTTP/1.0 clients may omit Host; a browser never does
    }
    String name = hostName(host.get());
    if (name.equals("localhost") || name.endsWith(".localhost") || name.startsWith("[") || IPV4.matcher(name).matches()
        || allowedHosts.contains(name)) {
      return;
    }
    throw new HttpError(403, "host '" + InputLimits.printable(name) + "' is not allowed: without API keys this port"
        + " answers only to localhost, IP addresses and the names in " + ALLOWED_HOSTS_ENV + " (DNS rebinding"
        + " protection)");
  }

  /** 403 for a state-changing request that a browser sent from another origin. */
  void checkSameOrigin(Request request) {
    if (SAFE_METHODS.contains(request.method())) {
      return;
    }
    Optional<String> fetchSite = request.header("Sec-Fetch-Site").map(s -> s.strip().toLowerCase(Locale.ROOT));
    if (fetchSite.isPresent() && !SAME_SITE_FETCH.contains(fetchSite.get())) {
      throw crossOrigin("Sec-Fetch-Site: " + InputLimits.printable(fetchSite.get()));
    }
    Optional<String> origin = request.header("Origin").map(String::strip);
    if (origin.isEmpty()) {
      return;
    }
    String host = request.header("Host").map(h -> h.strip().toLowerCase(Locale.ROOT)).orElse("");
    if (!authority(origin.get()).equals(withDefaultPort(host, origin.get()))) {
      throw crossOrigin("Origin " + InputLimits.printable(origin.get()));
    }
  }

  private static HttpError crossOrigin(String evidence) {
    return new HttpError(403, "cross-origin request refused (" + evidence + "): state-changing requests are"
        + " accepted only from the same origin or from non-browser clients");
  }

  /** {@code host[:port]} of an Origin, lower case; {@code "null"} and garbage give a value no Host equals. */
  private static String authority(String origin) {
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null) {
        return "\u0000invalid";
      }
      String host = uri.getHost().toLowerCase(Locale.ROOT);
      int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      return host + ":" + port;
    } catch (URISyntaxException e) {
      return "\u0000invalid";
    }
  }

  /** The Host header with the Origin scheme's default port added when it names none. */
  private static String withDefaultPort(String host, String origin) {
    if (host.startsWith("[") ? host.contains("]:") : host.contains(":")) {
      return host;
    }
    return host + ":" + (origin.regionMatches(true, 0, "https:", 0, 6) ? 443 : 80);
  }

  private static String hostName(String hostHeader) {
    String h = hostHeader.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      return h; // an IPv6 literal
    }
    int colon = h.lastIndexOf(':');
    return colon >= 0 ? h.substring(0, colon) : h;
  }
}
