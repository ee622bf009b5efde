package io.ragstream.query.openapi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3.0 description of the query service, served at {@code GET /openapi.json}. Written by hand rather than
 * generated from annotations (the server is a plain {@code HttpServer}, no framework to scan); {@code OpenApiTest}
 * keeps it in step with the router: every route is described, and every described operation is routed.
 */
public final class OpenApi {
  private static final Map<String, Object> ERROR = ref("Error");
  private static final List<Object> OPEN = List.of(); // no security requirement: served without a key

  private OpenApi() {}

  /** The document; a fresh mutable tree per call. */
  public static Map<String, Object> document() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.3");
    doc.put("info", Map.of("title", "ragstream query service", "version", "1",
        "description", "Keyword, vector, hybrid and hierarchical search, answers, A/B experiments (docs/QUERY.md)."
            + " Documents may carry ACLs: an API key's principals (e.g. group:eng) decide which documents it sees,"
            + " in every route. An MCP server (Model Context Protocol, Streamable HTTP, protocol 2025-11-25) is served"
            + " at POST /mcp with the tools search, get_document and, with a chat model configured, answer; it takes"
            + " the same API keys. POST /v1/embeddings is OpenAI-compatible and embeds with the served model."));
    doc.put("security", List.of(Map.of("bearer", List.of()), Map.of("apiKey", List.of())));
    doc.put("paths", paths());
    doc.put("components", components());
    return doc;
  }

  private static Map<String, Object> paths() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("/v1/search", Map.of(
        "get", op("Search", null, List.of(
            query("q", "string", true, "the query text"),
            query("k", "integer", false, "results wanted, 1 to maxK (default 10)"),
            query("mode", "string", false, "keyword, vector, hybrid (default) or hierarchical"),
            query("tenant", "string", false, "default 'default'; with an API key, the key's tenant or omitted (403)"),
            query("rerank", "boolean", false, "re-score with the configured cross-encoder (400 if none)"),
            query("expand", "boolean", false, "multi-query expansion by the chat endpoint (400 if none)"),
            query("user", "string", false, "user id for A/B assignment (or header X-User-Id)"),
            query("experiment", "string", false, "experiment name (default: the first configured)"),
            userHeader()), ref("SearchResponse")),
        "post", op("Search (JSON body)", ref("SearchRequest"), List.of(userHeader()), ref("SearchResponse"))));
    p.put("/v1/answer", Map.of("post", op("Answer with citations (LLM or extractive)", ref("AnswerRequest"),
        List.of(), ref("Answer"))));
    p.put("/v1/feedback", Map.of("post", op("Feedback on a result of an experiment's search", ref("Feedback"),
        List.of(), obj(Map.of("status", str())), "202")));
    p.put("/v1/experiments/{name}", Map.of("get", op("Per-variant means and Welch t-tests of an experiment", null,
        List.of(path("name", "experiment name")), ref("ExperimentReport"))));
    p.put("/v1/documents/{docId}", Map.of("get", op("A document's indexed chunks and pipeline progress", null,
        List.of(path("docId", "document id; may contain '/'"), query("tenant", "string", false, "tenant")),
        obj(Map.of("docId", str(), "tenant", str(), "chunks", Map.of())))));
    p.put("/v1/embeddings", Map.of("post", op("OpenAI-compatible embeddings with the served model, embedded as"
        + " search embeds a query", ref("EmbeddingsRequest"), List.of(), ref("EmbeddingsResponse"))));
    p.put("/mcp", Map.of("post", op("MCP (Model Context Protocol) over Streamable HTTP, stateless: one JSON-RPC"
        + " request per POST, answered with application/json; GET is 405 (no server-initiated stream). Tools:"
        + " search (query, k, mode, filters), get_document (docId), answer (with a chat model). Point an MCP client"
        + " at this URL with 'Authorization: Bearer <key>'", obj(Map.of()), List.of(), obj(Map.of()))));
    p.put("/v1/ops/overview", Map.of("get", op("Status page data: per-stage lag, recent documents, dead letters",
        null, List.of(), obj(Map.of()))));
    p.put("/", Map.of("get", html("The status page")));
    p.put("/openapi.json", Map.of("get", open(op("This document", null, List.of(), obj(Map.of())))));
    p.put("/health", Map.of("get", open(op("Liveness", null, List.of(), ref("Status")))));
    p.put("/ready", Map.of("get", open(op("Readiness: 503 until queries can be answered", null, List.of(),
        ref("Status")))));
    p.put("/metrics", Map.of("get", open(text("Prometheus metrics"))));
    return p;
  }

  private static Map<String, Object> components() {
    Map<String, Object> schemas = new LinkedHashMap<>();
    schemas.put("Error", obj(Map.of("error", str())));
    schemas.put("Status", obj(Map.of("status", str())));
    schemas.put("SearchRequest", obj(props("query", str(), "k", integer(), "mode", str(), "tenant", str(),
        "filter", Map.of("type", "object", "additionalProperties", str()), "rerank", bool(), "expand", bool(),
        "user", str(), "experiment", str()), "query"));
    schemas.put("SearchResult", obj(props("chunkId", str(), "docId", str(), "score", num(), "text", str(),
        "headings", arr(str()), "metadata", Map.of("type", "object", "additionalProperties", str()),
        "title", str(), "ranks", Map.of("type", "object", "additionalProperties", integer()),
        "scores", Map.of("type", "object", "additionalProperties", num()))));
    schemas.put("SearchResponse", obj(props("results", arr(ref("SearchResult")), "tookMs", integer(),
        "mode", str(), "cached", bool(), "experiment", obj(props("name", str(), "variant", str(), "queryId", str())))));
    schemas.put("AnswerRequest", obj(props("query", str(), "tenant", str()), "query"));
    schemas.put("Answer", obj(props("answer", str(), "extractive", bool(), "model", str(), "tookMs", integer(),
        "citations", arr(obj(props("chunkId", str(), "docId", str(), "sentence", str()))))));
    schemas.put("EmbeddingsRequest", obj(props("input", Map.of("oneOf", List.of(str(), arr(str()))),
        "model", str(), "encoding_format", Map.of("type", "string", "enum", List.of("float", "base64")),
        "dimensions", integer(), "user", str()), "input"));
    schemas.put("EmbeddingsResponse", obj(props("object", str(), "model", str(),
        "data", arr(obj(props("object", str(), "index", integer(), "embedding", arr(num())))),
        "usage", obj(props("prompt_tokens", integer(), "total_tokens", integer())))));
    schemas.put("Feedback", obj(props("queryId", str(), "chunkId", str(),
        "useful", Map.of("type", "number", "minimum", 0, "maximum", 1), "tenant", str()), "queryId", "useful"));
    schemas.put("ExperimentReport", obj(props("name", str(), "control", str(), "variants", arr(obj(Map.of())),
        "comparisons", arr(obj(props("metric", str(), "variant", str(), "against", str(), "meanDifference", num(),
            "t", num(), "df", num(), "pValue", num(), "insufficientData", str()))))));
    return Map.of("schemas", schemas, "securitySchemes", Map.of(
        "bearer", Map.of("type", "http", "scheme", "bearer", "description", "an API key (RAGSTREAM_API_KEYS)"),
        "apiKey", Map.of("type", "apiKey", "in", "header", "name", "X-API-Key")));
  }

  private static Map<String, Object> op(String summary, Map<String, Object> body, List<Object> params,
      Map<String, Object> ok) {
    return op(summary, body, params, ok, "200");
  }

  private static Map<String, Object> op(String summary, Map<String, Object> body, List<Object> params,
      Map<String, Object> ok, String status) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("summary", summary);
    if (!params.isEmpty()) {
      o.put("parameters", params);
    }
    if (body != null) {
      o.put("requestBody", Map.of("required", true, "content", json(body)));
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    responses.put(status, Map.of("description", "OK", "content", json(ok)));
    responses.put("400", error("invalid input"));
    responses.put("401", error("no valid API key (when keys are configured)"));
    responses.put("403", error("a tenant other than the API key's"));
    responses.put("404", error("not found"));
    o.put("responses", responses);
    return o;
  }

  private static Map<String, Object> open(Map<String, Object> op) {
    op.put("security", OPEN);
    @SuppressWarnings("unchecked")
    Map<String, Object> responses = (Map<String, Object>) op.get("responses");
    responses.keySet().removeIf(code -> !code.startsWith("2") && !code.equals("503"));
    responses.put("503", error("not ready (only /ready)"));
    return op;
  }

  private static Map<String, Object> html(String summary) {
    return Map.of("summary", summary, "responses", Map.of("200", Map.of("description", "OK",
        "content", Map.of("text/html", Map.of("schema", str())))));
  }

  private static Map<String, Object> text(String summary) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("summary", summary);
    o.put("responses", new LinkedHashMap<>(Map.of("200", Map.of("description", "Prometheus text format",
        "content", Map.of("text/plain", Map.of("schema", str()))))));
    return o;
  }

  private static Map<String, Object> error(String why) {
    return Map.of("description", why, "content", json(ERROR));
  }

  private static Map<String, Object> json(Map<String, Object> schema) {
    return Map.of("application/json", Map.of("schema", schema));
  }

  private static Map<String, Object> query(String name, String type, boolean required, String description) {
    return Map.of("name", name, "in", "query", "required", required, "description", description,
        "schema", Map.of("type", type));
  }

  private static Map<String, Object> path(String name, String description) {
    return Map.of("name", name, "in", "path", "required", true, "description", description, "schema", str());
  }

  private static Map<String, Object> userHeader() {
    return Map.of("name", "X-User-Id", "in", "header", "required", false,
        "description", "user id for A/B assignment", "schema", str());
  }

  private static Map<String, Object> ref(String name) {
    return Map.of("$ref", "#/components/schemas/" + name);
  }

  private static Map<String, Object> obj(Map<String, Object> properties, String... required) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("type", "object");
    o.put("properties", properties);
    if (required.length > 0) {
      o.put("required", List.of(required));
    }
    return o;
  }

  private static Map<String, Object> props(Object... pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static Map<String, Object> arr(Map<String, Object> items) {
    return Map.of("type", "array", "items", items);
  }

  private static Map<String, Object> str() {
    return Map.of("type", "string");
  }

  private static Map<String, Object> num() {
    return Map.of("type", "number");
  }

  private static Map<String, Object> integer() {
    return Map.of("type", "integer");
  }

  private static Map<String, Object> bool() {
    return Map.of("type", "boolean");
  }
}
