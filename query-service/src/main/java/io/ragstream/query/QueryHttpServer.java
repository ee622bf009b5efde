package io.ragstream.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpServer;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.DocumentAcl;
import io.ragstream.query.answer.Answerer;
import io.ragstream.query.answer.ExtractiveAnswerer;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.Authentication;
import io.ragstream.query.experiment.Experiments;
import io.ragstream.query.mcp.McpEndpoint;
import io.ragstream.query.openapi.OpenApi;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.http.HttpServers;
import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.http.QueryParams;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.Responses;
import io.ragstream.runtime.http.Router;
import io.ragstream.runtime.http.SafeHandler;
import io.ragstream.runtime.stage.Health;
import io.ragstream.runtime.stage.HealthRoutes;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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
 *   <li>{@code POST /v1/feedback} with {@code {"queryId", "chunkId", "useful"}} and {@code GET
 *       /v1/experiments/{name}}: A/B experiments ({@link Experiments}); a search carrying a user id ({@code
 *       X-User-Id} header or {@code user} parameter) is served by its variant and answers its {@code queryId};
 *   <li>{@code GET /openapi.json}: the OpenAPI 3 description of all of this ({@link OpenApi});
 *   <li>{@code GET /health} (liveness), {@code GET /ready} (503 until the readiness check passes), {@code GET
 *       /metrics} (Prometheus text format).
 * </ul>
 *
 * <p>Every error is JSON {@code {"error": "..."}}: 400 for invalid input (unknown parameters and body fields
 * included, so typos are not silently ignored), 401 without a valid API key when keys are configured, 403 for a
 * tenant other than the key's ({@link Authentication}), 404, 405, 413 for bodies over 1 MiB, 500 without details.
 *
 * <p>API keys are read from the environment at construction ({@link ApiKeys#fromEnvironment}), so every way of
 * running the service enforces configured keys; {@link #apiKeys(ApiKeys)} overrides them.
 */
public final class QueryHttpServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QueryHttpServer.class);
  public static final int DEFAULT_PORT = 8080;
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final String FILTER_PREFIX = "filter.";
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Set<String> SEARCH_PARAMS =
      Set.of("q", "k", "mode", "tenant", "rerank", "expand", "user", "experiment");
  static final String USER_HEADER = "X-User-Id";

  /** The POST body; boxed fields so that absent means default. */
  record SearchBody(String query, Integer k, String mode, String tenant, Map<String, String> filter, Boolean rerank,
      Boolean expand, String user, String experiment) {}

  /** The POST /v1/feedback body. */
  record FeedbackBody(String queryId, String chunkId, Double useful, String tenant) {}

  private final SearchService search;
  private final ChunkSearcher searcher;
  private final Health health;
  private final HttpServer server;
  private final Router router;
  private volatile BiFunction<String, String, Optional<Map<String, Object>>> pipeline =
      (tenant, docId) -> Optional.empty();
  private volatile Answerer answerer;
  private volatile ApiKeys apiKeys = ApiKeys.fromEnvironment(System.getenv());
  private volatile Experiments experiments = Experiments.none();
  private volatile McpEndpoint mcp;

  /**
   * Binds the port; {@link #start()} begins serving.
   *
   * @param port the port, or 0 for an ephemeral one (see {@link #port()})
   * @param ready whether the service can answer queries (store open, model loaded, caught up)
   */
  public QueryHttpServer(int port, SearchService search, ChunkSearcher searcher, BooleanSupplier ready)
      throws IOException {
    this(port, search, searcher, Health.of(Objects.requireNonNull(ready, "ready")));
  }

  /**
   * Binds the port; {@link #start()} begins serving. {@code /ready} and {@code /health} answer from {@code health}
   * ({@link HealthRoutes}), asked on every request: the query stage passes itself, so readiness drops when its cache
   * invalidator or status view dies.
   */
  public QueryHttpServer(int port, SearchService search, ChunkSearcher searcher, Health health) throws IOException {
    this.search = Objects.requireNonNull(search, "search");
    this.searcher = Objects.requireNonNull(searcher, "searcher");
    this.health = Objects.requireNonNull(health, "health");
    // without an LLM endpoint the answer is extractive, and says so
    this.answerer = new ExtractiveAnswerer(search);
    this.router = new Router()
        .get("/v1/search", this::searchGet)
        .post("/v1/search", this::searchPost)
        .post("/v1/answer", this::answer)
        .post("/v1/feedback", this::feedback)
        .get("/v1/experiments/{name}", this::experiment)
        .get("/v1/documents/{docId...}", this::document)
        .post("/v1/embeddings", this::embeddings)
        .post(McpEndpoint.PATH, r -> mcp().handle(r))
        .get("/openapi.json", r -> Responses.json(r.exchange(), 200, OpenApi.document()));
    HealthRoutes.register(router, () -> this.health, Metrics.registry());
    this.server = HttpServers.create(port, SafeHandler.wrap(r -> new Authentication(apiKeys, router).handle(r)));
  }

  /** Adds routes served by other packages (the status page); call before {@link #start()}. */
  public QueryHttpServer routes(Consumer<Router> routes) {
    routes.accept(router);
    return this;
  }

  /**
   * Where a document is in the pipeline (see {@code io.ragstream.query.status}), added to {@code GET
   * /v1/documents/{docId}} as {@code "pipeline"}; without it the answer shows the index only. {@code progress} is
   * asked for (tenant, docId): progress is kept per tenant's document.
   */
  public QueryHttpServer documentProgress(BiFunction<String, String, Optional<Map<String, Object>>> progress) {
    this.pipeline = Objects.requireNonNull(progress, "progress");
    return this;
  }

  /** Answers {@code POST /v1/answer} (default: {@link ExtractiveAnswerer}); see {@code Answerers}. */
  public QueryHttpServer answerer(Answerer value) {
    this.answerer = Objects.requireNonNull(value, "answerer");
    return this;
  }

  /** Requires these keys instead of those of the environment ({@link ApiKeys#open()}: none). */
  public QueryHttpServer apiKeys(ApiKeys value) {
    this.apiKeys = Objects.requireNonNull(value, "apiKeys");
    return this;
  }

  /** Whether requests are served without an API key. */
  public boolean isOpen() {
    return apiKeys.isOpen();
  }

  /** Serves searches that carry a user id through these A/B experiments (default: none). */
  public QueryHttpServer experiments(Experiments value) {
    this.experiments = Objects.requireNonNull(value, "experiments");
    return this;
  }

  public QueryHttpServer start() {
    mcp();
    server.start();
    if (apiKeys.isOpen()) {
      LOG.warn("query API is open: no API keys configured ({} or {}); every request may name any tenant, so keep"
          + " port {} to localhost", ApiKeys.KEYS_FILE_ENV, ApiKeys.KEYS_ENV, port());
    }
    return this;
  }

  /** The bound port, the ephemeral one if constructed with 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    HttpServers.stop(server, 1);
    McpEndpoint endpoint = mcp;
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private void searchGet(Request r) throws IOException {
    QueryParams params = r.query();
    Map<String, String> filter = new LinkedHashMap<>();
    for (String name : params.names()) {
      if (name.startsWith(FILTER_PREFIX) && name.length() > FILTER_PREFIX.length()) {
        filter.put(name.substring(FILTER_PREFIX.length()), params.get(name).orElseThrow());
      } else if (!SEARCH_PARAMS.contains(name)) {
        throw HttpError.badRequest("unknown parameter '" + InputLimits.printable(name)
            + "'; known: q, k, mode, tenant, rerank, expand, user, experiment, filter.KEY");
      }
    }
    rejectRerank(params.booleanParam("rerank", false));
    SearchRequest request = new SearchRequest(
        params.required("q"),
        params.intParam("k", SearchRequest.DEFAULT_K, 1, search.config().maxK()),
        params.get("mode").map(SearchMode::parse).orElse(SearchMode.HYBRID),
        Authentication.tenant(r, params.get("tenant").orElse(null), null),
        filter,
        params.booleanParam("rerank", false),
        params.booleanParam("expand", false)).withPrincipals(callerPrincipals(r));
    respond(r, request, user(r, params.get("user").orElse(null)), params.get("experiment").orElse(null));
  }

  private static String user(Request r, String given) {
    return r.header(USER_HEADER).filter(h -> !h.isBlank()).orElse(given);
  }

  /** Searches, through the user's experiment variant when there is one, which adds {@code experiment} to the answer. */
  private void respond(Request r, SearchRequest request, String user, String experimentName) throws IOException {
    Optional<Experiments.Assignment> assignment = experiments.assign(experimentName, user);
    if (assignment.isEmpty()) {
      Responses.json(r.exchange(), 200, search.search(request));
      return;
    }
    Experiments.Assignment a = assignment.get();
    SearchRequest routed = new SearchRequest(request.query(), request.k(), request.mode(), request.tenant(),
        request.filter(), a.variant().rerank(request.rerank()), request.expand(), request.principals());
    long start = System.nanoTime();
    SearchResponse response = a.service().search(routed);
    String queryId = experiments.served(a, routed.tenant(), response, System.nanoTime() - start);
    Map<String, Object> body = HttpJson.mapper().convertValue(response, MAP);
    body.put("experiment", Map.of("name", a.experiment().name(), "variant", a.variant().name(), "queryId", queryId));
    Responses.json(r.exchange(), 200, body);
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
        body.mode() == null ? SearchMode.HYBRID : SearchMode.parse(body.mode()),
        Authentication.tenant(r, body.tenant(), null), body.filter(),
        Boolean.TRUE.equals(body.rerank()), Boolean.TRUE.equals(body.expand())).withPrincipals(callerPrincipals(r));
    respond(r, request, user(r, body.user()), body.experiment());
  }

  private void feedback(Request r) throws IOException {
    FeedbackBody body = r.json(FeedbackBody.class, Request.DEFAULT_MAX_BODY_BYTES);
    if (body.queryId() == null || body.queryId().isBlank() || body.useful() == null) {
      throw HttpError.badRequest("fields 'queryId' and 'useful' (0 to 1) are required");
    }
    String tenant = Authentication.tenant(r, body.tenant(), SearchRequest.DEFAULT_TENANT);
    if (!experiments.feedback(body.queryId(), body.chunkId(), body.useful(), tenant)) {
      throw HttpError.notFound("no experiment query '" + body.queryId() + "' (unknown, expired or another tenant's)");
    }
    Responses.json(r.exchange(), 202, Map.of("status", "recorded"));
  }

  private void experiment(Request r) throws IOException {
    String name = r.pathParam("name");
    Map<String, Object> report = experiments.report(name)
        .orElseThrow(() -> HttpError.notFound("no experiment '" + name + "'; configured: " + experiments.names()));
    Responses.json(r.exchange(), 200, report);
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
    InputLimits.query(body.query());
    Responses.json(r.exchange(), 200, answerer.answer(body.query(),
        Authentication.tenant(r, body.tenant(), SearchRequest.DEFAULT_TENANT), callerPrincipals(r)));
  }

  private void document(Request r) throws IOException {
    String docId = InputLimits.docId(r.pathParam("docId"));
    String tenant = Authentication.tenant(r, r.query().get("tenant").orElse(null), SearchRequest.DEFAULT_TENANT);
    if (tenant.isBlank()) {
      throw HttpError.badRequest("parameter 'tenant' must not be blank");
    }
    List<String> principals = callerPrincipals(r);
    // A document the caller's principals may not see is a 404 like a missing one: its existence is not revealed.
    Optional<DocumentStatus> indexed = DocumentStatus.of(docId, tenant, searcher.chunksOfDocument(docId, tenant)
        .stream().filter(c -> DocumentAcl.visible(c.acl(), principals)).toList());
    // Progress is kept per (tenant, docId): only the caller's tenant's document is asked for. The tenant check stays
    // as a second line: anything else would reveal another tenant's document (its name, hash, dead-letter reason).
    Optional<Map<String, Object>> progress = pipeline.apply(tenant, docId)
        .filter(p -> tenant.equals(String.valueOf(p.get("tenant"))))
        .filter(p -> DocumentAcl.visible(aclOf(p), principals));
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

  /**
   * The MCP endpoint, built on first use (at the latest by {@link #start()}), once the answerer is known: the
   * {@code answer} tool is offered only with an answer backend (a chat model), not the extractive fallback.
   */
  private synchronized McpEndpoint mcp() {
    if (mcp == null) {
      Answerer configured = answerer instanceof ExtractiveAnswerer ? null : answerer;
      String version = Objects.requireNonNullElse(QueryHttpServer.class.getPackage().getImplementationVersion(),
          "dev");
      mcp = new McpEndpoint(search, searcher, configured, version);
    }
    return mcp;
  }

  /** The POST /v1/embeddings body (OpenAI's shape): {@code input} a string or an array of strings. */
  record EmbeddingsBody(Object input, String model, String encoding_format, Integer dimensions, String user) {}

  /** How many inputs one embeddings request may carry (each is a query-sized text). */
  static final int MAX_EMBEDDING_INPUTS = 256;

  /**
   * OpenAI-compatible embeddings with the served model, embedded as the query side embeds a query, so a client can
   * search the vector store itself (or cache query vectors) and match what ragstream's own vector search would do.
   */
  private void embeddings(Request r) throws IOException {
    EmbeddingsBody body = r.json(EmbeddingsBody.class, Request.DEFAULT_MAX_BODY_BYTES);
    List<String> inputs = switch (body.input()) {
      case String s -> List.of(s);
      case List<?> list when !list.isEmpty() && list.stream().allMatch(String.class::isInstance) ->
          list.stream().map(String.class::cast).toList();
      case null, default -> throw HttpError.badRequest(
          "field 'input' must be a string or a non-empty array of strings (token arrays are not supported)");
    };
    if (inputs.size() > MAX_EMBEDDING_INPUTS) {
      throw HttpError.badRequest("field 'input' has " + inputs.size() + " entries, over the limit of "
          + MAX_EMBEDDING_INPUTS);
    }
    for (String input : inputs) {
      if (input.isBlank()) {
        throw HttpError.badRequest("field 'input' must not hold blank strings");
      }
      InputLimits.query(input);
    }
    // OpenAI's Python client asks for base64 (little-endian float32) unless told otherwise
    boolean base64 = "base64".equals(body.encoding_format());
    if (body.encoding_format() != null && !base64 && !"float".equals(body.encoding_format())) {
      throw HttpError.badRequest("field 'encoding_format' must be 'float' or 'base64'");
    }
    SearchService.Embeddings embedded = search.embedQueries(inputs);
    if (body.model() != null && !body.model().equals(embedded.modelId())) {
      throw HttpError.badRequest("field 'model' names '" + InputLimits.printable(body.model())
          + "', but this server embeds with '" + embedded.modelId() + "' (omit 'model' or name that one)");
    }
    if (body.dimensions() != null && body.dimensions() != embedded.vectors().getFirst().length) {
      throw HttpError.badRequest("field 'dimensions' must be " + embedded.vectors().getFirst().length
          + " (the model's) or absent");
    }
    List<Map<String, Object>> data = new java.util.ArrayList<>();
    for (int i = 0; i < embedded.vectors().size(); i++) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("object", "embedding");
      item.put("index", i);
      item.put("embedding", base64 ? base64(embedded.vectors().get(i)) : embedded.vectors().get(i));
      data.add(item);
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("object", "list");
    answer.put("data", data);
    answer.put("model", embedded.modelId());
    answer.put("usage", Map.of("prompt_tokens", embedded.tokens(), "total_tokens", embedded.tokens()));
    Responses.json(r.exchange(), 200, answer);
  }

  private static String base64(float[] vector) {
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(vector.length * Float.BYTES)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : vector) {
      bytes.putFloat(v);
    }
    return java.util.Base64.getEncoder().encodeToString(bytes.array());
  }

  /**
   * The principals a request's documents are matched against: its key's (empty for a key without principals, which
   * sees the documents without an ACL); null in open mode, where no key says who is asking and nothing is restricted.
   */
  static List<String> callerPrincipals(Request r) {
    return Authentication.principal(r).map(ApiKeys.Principal::principals).orElse(null);
  }

  private static List<String> aclOf(Map<String, Object> progress) {
    return progress.get("acl") instanceof List<?> acl ? acl.stream().map(String::valueOf).toList() : List.of();
  }
}
