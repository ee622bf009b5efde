package io.ragstream.query.ui;

import io.ragstream.query.status.ProgressJson;
import io.ragstream.query.status.StatusView;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.Authentication;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.RequestHandler;
import io.ragstream.runtime.http.Responses;
import io.ragstream.runtime.http.Router;
import io.ragstream.runtime.lag.ConsumerLagMonitor;
import io.ragstream.runtime.lag.LagSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in status page of the embedded mode: {@code GET /} serves one self-contained HTML page (no external
 * assets, so it works offline), which polls {@code GET /v1/ops/overview} for per-stage lag and throughput, dead-letter
 * counts and recently changed documents, and searches through {@code /v1/search}. With API keys configured it asks
 * for one, keeps it in the tab's {@code sessionStorage} and sends it as {@code Authorization: Bearer}.
 */
public final class StatusPage {
  static final int RECENT = 20;

  private final StatusView documents;
  private final ConsumerLagMonitor lag;
  private final byte[] html;
  private final String csp;

  public StatusPage(StatusView documents, ConsumerLagMonitor lag) {
    this.documents = Objects.requireNonNull(documents, "documents");
    this.lag = Objects.requireNonNull(lag, "lag");
    this.html = resource("index.html");
    this.csp = contentSecurityPolicy(new String(html, StandardCharsets.UTF_8));
  }

  /** Registers {@code GET /} and {@code GET /v1/ops/overview}. */
  public void register(Router router) {
    routes(router, this::page, this::overview);
  }

  /** The status page's routes with the given handlers; shared with the OpenAPI test so both see the same paths. */
  public static Router routes(Router router, RequestHandler page, RequestHandler overview) {
    return router.get("/", page).get("/v1/ops/overview", overview);
  }

  private void page(Request r) throws IOException {
    serve(r, html, csp);
  }

  /**
   * {@code GET /} alone: the page, which holds no data and asks the API for everything with the key it is given
   * (so {@code /} is open while keys are configured: {@code Authentication.OPEN_PATHS}).
   */
  public static RequestHandler page() {
    byte[] html = resource("index.html");
    String csp = contentSecurityPolicy(new String(html, StandardCharsets.UTF_8));
    return r -> serve(r, html, csp);
  }

  private static void serve(Request r, byte[] html, String csp) throws IOException {
    r.exchange().getResponseHeaders().set("Content-Security-Policy", csp);
    r.exchange().getResponseHeaders().set("Cache-Control", "no-store");
    Responses.text(r.exchange(), 200, "text/html; charset=utf-8", new String(html, StandardCharsets.UTF_8));
  }

  private void overview(Request r) throws IOException {
    // A key of one tenant sees that tenant's documents only; in open mode (localhost) the page shows all of them.
    // Within the tenant, the key's principals see the documents whose ACL admits them (as in search).
    Optional<ApiKeys.Principal> principal = Authentication.principal(r);
    Responses.json(r.exchange(), 200, overview(principal.map(ApiKeys.Principal::tenant),
        principal.map(ApiKeys.Principal::principals).orElse(null)));
  }

  Map<String, Object> overview(Optional<String> tenant) {
    return overview(tenant, null);
  }

  /** What the page shows, as JSON; with a tenant, only that tenant's documents (stage lag and DLQ counts are
   * pipeline-wide numbers that name no document). */
  Map<String, Object> overview(Optional<String> tenant, List<String> principals) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("at", Instant.now().toString());
    json.put("stages", lag.groups().stream().map(StatusPage::stage).toList());
    json.put("deadLetters", lag.deadLetters());
    json.put("documents", tenant.map(t -> documents.size(t, principals)).orElse((long) documents.size()));
    json.put("recent", tenant.map(t -> documents.recent(RECENT, t, principals)).orElseGet(() -> documents.recent(RECENT))
        .stream().map(ProgressJson::of).toList());
    tenant.ifPresent(t -> json.put("tenant", t));
    return json;
  }

  /**
   * The page's Content-Security-Policy: nothing from anywhere but this origin, its inline scripts allowed by hash
   * (so an injected script would not run), no framing, no form posts, no base URI changes.
   */
  static String contentSecurityPolicy(String html) {
    StringBuilder scripts = new StringBuilder();
    StringBuilder styles = new StringBuilder();
    hashes(html, "script", scripts);
    hashes(html, "style", styles);
    return "default-src 'none'; script-src" + scripts + "; style-src" + styles
        + "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  }

  private static void hashes(String html, String tag, StringBuilder into) {
    Matcher m = Pattern.compile("<" + tag + "(?:\\s[^>]*)?>(.*?)</" + tag + ">", Pattern.DOTALL).matcher(html);
    while (m.find()) {
      try {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(StandardCharsets.UTF_8));
        into.append(" 'sha256-").append(Base64.getEncoder().encodeToString(digest)).append('\'');
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK provides SHA-256", e);
      }
    }
    if (into.isEmpty()) {
      into.append(" 'none'");
    }
  }

  private static Map<String, Object> stage(LagSnapshot.GroupLag g) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("group", g.group());
    json.put("committed", g.committed());
    json.put("end", g.end());
    json.put("lag", g.lag());
    json.put("recordsPerSecond", Double.isNaN(g.recordsPerSecond()) ? null : g.recordsPerSecond());
    json.put("drainSeconds", g.drain() == null ? null : g.drain().toMillis() / 1000.0);
    return json;
  }

  private static byte[] resource(String name) {
    try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to " + StatusPage.class.getName());
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the status page", e);
    }
  }

}
