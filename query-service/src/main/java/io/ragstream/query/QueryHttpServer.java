package io.ragstream.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpServer;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.query.answer.Answerer;
import io.ragstream.query.answer.ExtractiveAnswerer;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.http.HttpServers;
import io.ragstream.runtime.http.QueryParams;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.Responses;
import io.ragstream.runtime.http.Router;
import io.ragstream.runtime.http.SafeHandler;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The query service's HTTP API (DESIGN §8):
 *
 * <ul>
 *   <li>{@code GET /v1/search?q=&k=&mode=&tenant=&filter.KEY=VALUE} and {@code POST /v1/search} with {@code
 *       {"query", "k", "mode", "tenant", "filter": {key: value}, "rerank"}} → {@code {"results": [...], "tookMs",
 *       "mode"}}; {@code k} defaults to {@value SearchRequest#DEFAULT_K}, {@code mode} to {@code hybrid};
 *   <li>{@code POST /v1/answer} with {@code {"query", "tenant"}} → an answer with citations: by the configured
 *       {@link Answerer} (an LLM), else extractive ({@link ExtractiveAnswerer}, marked {@code "extractive": true});
 *   <li>{@code GET /v1/documents/{docId}?tenant=} → {@link DocumentStatus}, or 404 if the index holds no chunk of it;
 *   <li>{@code GET /health} (liveness), {@code GET /ready} (503 until the readiness check passes), {@code GET
 *       /metrics} (Prometheus text format).
 * </ul>
 *
 * <p>Every error is JSON {@code {"error": "..."}}: 400 for invalid input (unknown parameters and body fields
 * included, so typos are not silently ignored), 404, 405, 413 for bodies over 1 MiB, 500 without details.
 */
public final class QueryHttpServer implements AutoCloseable {
  public static final int DEFAULT_PORT = 8080;
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final String FILTER_PREFIX = "filter.";
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Set<String> SEARCH_PARAMS = Set.of("q", "k", "mode", "tenant", "rerank");

  /** The POST body; boxed fields so that absent means default. */
  record SearchBody(String query, Integer k, String mode, String tenant, Map<String, String> filter, Boolean rerank) {}

  private final SearchService search;
  private final ChunkSearcher searcher;
  private final BooleanSupplier ready;
  private final HttpServer server;
  private final Router router;
  private volatile Function<String, Optional<Map<String, Object>>> pipeline = docId -> Optional.empty();
  private volatile Answerer answerer;

  /**
   * Binds the port; {@link #start()} begins serving.
   *
   * @param port the port, or 0 for an ephemeral one (see {@link #port()})
   * @param ready whether the service can answer queries (store open, model loaded, caught up)
   */
  public QueryHttpServer(int port, SearchService search, ChunkSearcher searcher, BooleanSupplier ready)
      throws IOException {
    this.search = Objects.requireNonNull(search, "search");
    this.searcher = Objects.requireNonNull(searcher, "searcher");
    this.ready = Objects.requireNonNull(ready, "ready");
    // without an LLM endpoint the answer is extractive, and says so
    this.answerer = new ExtractiveAnswerer(search);
    this.router = new Router()
        .get("/v1/search", this::searchGet)
        .post("/v1/search", this::searchPost)
        .post("/v1/answer", this::answer)
        .get("/v1/documents/{docId...}", this::document)
        .get("/health", r -> Responses.json(r.exchange(), 200, Map.of("status", "UP")))
        .get("/ready", this::ready)
        .get("/metrics", r -> Responses.text(r.exchange(), 200, PROMETHEUS_CONTENT_TYPE, Metrics.scrape()));
    this.server = HttpServers.create(port, SafeHandler.wrap(router));
  }

  /** Adds routes served by other packages (the status page); call before {@link #start()}. */
  public QueryHttpServer routes(Consumer<Router> routes) {
    routes.accept(router);
    return this;
  }

  /**
   * Where a document is in the pipeline (see {@code io.ragstream.query.status}), added to {@code GET
   * /v1/documents/{docId}} as {@code "pipeline"}; without it the answer shows the index only.
   */
  public QueryHttpServer documentProgress(Function<String, Optional<Map<String, Object>>> progress) {
    this.pipeline = Objects.requireNonNull(progress, "progress");
    return this;
  }

  /** Answers {@code POST /v1/answer} (default: {@link ExtractiveAnswerer}); see {@code Answerers}. */
  public QueryHttpServer answerer(Answerer value) {
    this.answerer = Objects.requireNonNull(value, "answerer");
    return this;
  }

  public QueryHttpServer start() {
    server.start();
    return this;
  }

  /** The bound port, the ephemeral one if constructed with 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    HttpServers.stop(server, 1);
  }

  private void searchGet(Request r) throws IOException {
    QueryParams params = r.query();
    Map<String, String> filter = new LinkedHashMap<>();
    for (String name : params.names()) {
      if (name.startsWith(FILTER_PREFIX) && name.length() > FILTER_PREFIX.length()) {
        filter.put(name.substring(FILTER_PREFIX.length()), params.get(name).orElseThrow());
      } else if (!SEARCH_PARAMS.contains(name)) {
        throw HttpError.badRequest("unknown parameter '" + name + "'; known: q, k, mode, tenant, rerank, filter.KEY");
      }
    }
    rejectRerank(params.booleanParam("rerank", false));
    SearchRequest request = new SearchRequest(
        params.required("q"),
        params.intParam("k", SearchRequest.DEFAULT_K, 1, search.config().maxK()),
        params.get("mode").map(SearchMode::parse).orElse(SearchMode.HYBRID),
        params.get("tenant").orElse(null),
        filter,
        params.booleanParam("rerank", false));
    Responses.json(r.exchange(), 200, search.search(request));
  }

  private void searchPost(Request r) throws IOException {
    SearchBody body = r.json(SearchBody.class, Request.DEFAULT_MAX_BODY_BYTES);
    if (body.query() == null || body.query().isBlank()) {
      throw HttpError.badRequest("field 'query' is required and must not be blank");
    }
    int k = body.k() == null ? SearchRequest.DEFAULT_K : body.k();
    if (k < 1 || k > search.config().maxK()) {
      throw HttpError.badRequest("field 'k' must be between 1 and " + search.config().maxK() + ", got " + k);
    }
    rejectRerank(Boolean.TRUE.equals(body.rerank()));
    SearchRequest request = new SearchRequest(body.query(), k,
        body.mode() == null ? SearchMode.HYBRID : SearchMode.parse(body.mode()), body.tenant(), body.filter(),
        Boolean.TRUE.equals(body.rerank()));
    Responses.json(r.exchange(), 200, search.search(request));
  }

  private void rejectRerank(boolean rerank) {
    // a silently skipped rerank would return results the caller believes were reranked
    if (rerank && !search.canRerank()) {
      throw HttpError.badRequest("rerank is not configured: this server has no reranker; retry without rerank");
    }
  }

  /** The POST /v1/answer body. */
  record AnswerBody(String query, String tenant) {}

  private void answer(Request r) throws IOException {
    AnswerBody body = r.json(AnswerBody.class, Request.DEFAULT_MAX_BODY_BYTES);
    if (body.query() == null || body.query().isBlank()) {
      throw HttpError.badRequest("field 'query' is required and must not be blank");
    }
    Responses.json(r.exchange(), 200, answerer.answer(body.query(),
        body.tenant() == null ? SearchRequest.DEFAULT_TENANT : body.tenant()));
  }

  private void document(Request r) throws IOException {
    String docId = r.pathParam("docId");
    String tenant = r.query().get("tenant").orElse(SearchRequest.DEFAULT_TENANT);
    if (tenant.isBlank()) {
      throw HttpError.badRequest("parameter 'tenant' must not be blank");
    }
    Optional<DocumentStatus> indexed = DocumentStatus.of(docId, tenant, searcher.chunksOfDocument(docId, tenant));
    Optional<Map<String, Object>> progress = pipeline.apply(docId);
    // a deleted (or being deleted) document stays a 404; one still on its way or dead-lettered is found, 0 chunks
    if (indexed.isEmpty() && progress.map(p -> "DELETE".equals(p.get("operation"))).orElse(true)) {
      throw HttpError.notFound("document '" + docId + "' has no indexed chunks in tenant '" + tenant + "'"
          + progress.map(p -> " (deleted " + p.get("updatedAt") + ")").orElse(""));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    indexed.ifPresentOrElse(status -> body.putAll(HttpJson.mapper().convertValue(status, MAP)), () -> {
      body.put("docId", docId);
      body.put("tenant", tenant);
      body.put("chunks", 0);
    });
    progress.ifPresent(p -> body.put("pipeline", p));
    Responses.json(r.exchange(), 200, body);
  }

  private void ready(Request r) throws IOException {
    boolean isReady;
    try {
      isReady = ready.getAsBoolean();
    } catch (RuntimeException e) {
      // a failing check means not ready; a 500 would read as "the probe endpoint is broken"
      isReady = false;
    }
    Responses.json(r.exchange(), isReady ? 200 : 503, Map.of("status", isReady ? "READY" : "NOT_READY"));
  }
}
