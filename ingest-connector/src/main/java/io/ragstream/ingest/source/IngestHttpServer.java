package io.ragstream.ingest.source;

import com.sun.net.httpserver.HttpServer;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.Authentication;
import io.ragstream.runtime.auth.BrowserGuard;
import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.HttpServers;
import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.http.QueryParams;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.Responses;
import io.ragstream.runtime.http.Router;
import io.ragstream.runtime.http.SafeHandler;
import io.ragstream.runtime.stage.Health;
import io.ragstream.runtime.stage.HealthRoutes;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.Metrics;
import java.util.function.Supplier;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest HTTP API (default port 8081): {@code POST /v1/documents?id=&tenant=&name=&meta.KEY=VALUE} with the file
 * as the body publishes it and answers 202 with its docId once the request is durable in Kafka; {@code DELETE
 * /v1/documents/{docId}?tenant=} publishes a delete. A body over the size limit is refused with 413 before anything
 * is published.
 *
 * <p>Authenticated exactly like the query port ({@link Authentication}, the same {@link ApiKeys}): with keys
 * configured every route but {@code /health} needs {@code Authorization: Bearer <key>} (401 JSON otherwise), the
 * tenant is the key's, and naming another one is 403. Cross-origin browser writes and, in open mode, foreign Host
 * names are refused ({@link BrowserGuard}). Ids, names, tenants and metadata are bounded ({@link InputLimits}): 400.
 */
public final class IngestHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IngestHttpServer.class);
  private static final String META_PREFIX = "meta.";
  private static final Set<String> UPLOAD_PARAMS = Set.of("id", "tenant", "name", "acl");
  private static final int MAX_CONTENT_TYPE_CHARS = 255;

  private final HttpServer server;
  private final ApiKeys keys;

  /** Keys from the environment ({@link ApiKeys#fromEnvironment}), as on the query port. */
  public IngestHttpServer(int port, DocumentPublisher publisher, long maxBodyBytes) throws IOException {
    this(port, publisher, maxBodyBytes, () -> Health.of(() -> true), Metrics.registry());
  }

  /**
   * Keys from the environment, with {@code /health}, {@code /ready} and {@code /metrics} answered from
   * {@code health} and {@code metrics} ({@link HealthRoutes}).
   */
  public IngestHttpServer(int port, DocumentPublisher publisher, long maxBodyBytes,
      Supplier<? extends Health> health, MeterRegistry metrics) throws IOException {
    this(port, publisher, maxBodyBytes, health, metrics, ApiKeys.fromEnvironment(System.getenv()),
        BrowserGuard.fromEnvironment(System.getenv()));
  }

  /** Always healthy and ready, with the given keys and browser guard. */
  public IngestHttpServer(int port, DocumentPublisher publisher, long maxBodyBytes, ApiKeys keys,
      BrowserGuard browsers) throws IOException {
    this(port, publisher, maxBodyBytes, () -> Health.of(() -> true), Metrics.registry(), keys, browsers);
  }

  /** Binds and starts serving; the probes and metrics need no key (a supervisor or Prometheus has none). */
  public IngestHttpServer(int port, DocumentPublisher publisher, long maxBodyBytes,
      Supplier<? extends Health> health, MeterRegistry metrics, ApiKeys keys, BrowserGuard browsers)
      throws IOException {
    this.keys = keys;
    Router router = new Router()
        .post("/v1/documents", request -> upload(request, publisher, maxBodyBytes))
        .delete("/v1/documents/{docId...}", request -> delete(request, publisher));
    HealthRoutes.register(router, health, metrics);
    this.server = HttpServers.create(port,
        SafeHandler.wrap(new Authentication(keys, Set.of("/health", "/ready", "/metrics"), browsers, router)));
    server.start();
    if (keys.isOpen()) {
      LOG.warn("ingest API is open: no API keys configured ({} or {}); every request may write to and delete from"
          + " any tenant, so keep port {} to localhost", ApiKeys.KEYS_FILE_ENV, ApiKeys.KEYS_ENV, port());
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Whether requests are served without an API key. */
  public boolean isOpen() {
    return keys.isOpen();
  }

  private static void upload(Request request, DocumentPublisher publisher, long maxBodyBytes) throws IOException {
    QueryParams params = request.query();
    Map<String, String> metadata = metadata(params);
    String tenant = Authentication.tenant(request, params.get("tenant").orElse(null), "default");
    String docId = InputLimits.docId(params.get("id").orElseGet(() -> "upload-" + UUID.randomUUID()));
    String name = InputLimits.name(params.get("name").orElse(null));
    String contentType = request.header("Content-Type").orElse(null);
    if (contentType != null && contentType.length() > MAX_CONTENT_TYPE_CHARS) {
      throw HttpError.badRequest("Content-Type is over " + MAX_CONTENT_TYPE_CHARS + " characters");
    }
    byte[] body = request.body(maxBodyBytes);
    if (body.length == 0) {
      throw HttpError.badRequest("empty body: send the document's bytes as the request body");
    }
    List<String> acl = InputLimits.acl(params.all("acl"));
    // one document a caller is waiting for: the live lane, served ahead of bulk sources (docs/RELIABILITY.md)
    var published = publisher.publish(docId, tenant, contentType, name, body, metadata, acl, true);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("docId", published.docId());
    answer.put("tenant", tenant);
    if (!acl.isEmpty()) {
      answer.put("acl", acl);
    }
    answer.put("status", "accepted");
    Responses.json(request.exchange(), 202, answer);
  }

  /** The {@code meta.KEY=VALUE} parameters; any other unknown parameter, or a key given twice, is a 400. */
  static Map<String, String> metadata(QueryParams params) {
    Map<String, String> metadata = new LinkedHashMap<>();
    for (String name : params.names()) {
      if (name.startsWith(META_PREFIX)) {
        List<String> values = params.all(name);
        if (values.size() > 1) {
          throw HttpError.badRequest("parameter '" + InputLimits.printable(name) + "' is given " + values.size()
              + " times; a metadata key holds one value");
        }
        metadata.put(name.substring(META_PREFIX.length()), values.getFirst());
      } else if (!UPLOAD_PARAMS.contains(name)) {
        throw HttpError.badRequest("unknown parameter '" + InputLimits.printable(name)
            + "'; known: id, tenant, name, acl, meta.KEY");
      }
    }
    return InputLimits.metadata(metadata);
  }

  private static void delete(Request request, DocumentPublisher publisher) throws IOException {
    QueryParams params = request.query();
    params.rejectUnknown(Set.of("tenant"));
    String tenant = Authentication.tenant(request, params.get("tenant").orElse(null), "default");
    String docId = InputLimits.docId(request.pathParam("docId"));
    publisher.delete(List.of(docId), tenant);
    Responses.json(request.exchange(), 202, Map.of("docId", docId, "tenant", tenant, "status", "delete accepted"));
  }

  @Override
  public void close() {
    HttpServers.stop(server, 1);
  }
}
