package io.ragstream.query.mcp;

import com.fasterxml.jackson.core.type.TypeReference;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.DocumentAcl;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.query.SearchMode;
import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchResponse;
import io.ragstream.query.SearchResult;
import io.ragstream.query.SearchService;
import io.ragstream.query.answer.Answerer;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.Authentication;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.http.Request;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The MCP server at {@code /mcp} (Streamable HTTP, stateless; the official SDK's server behind
 * {@link McpHttpTransport}). Tools: {@code search}, {@code get_document} and, when an answer backend (a chat model)
 * is configured, {@code answer}. A tool call acts exactly as the REST API would for the same key: the key's tenant
 * (naming another is an error), its principals for document ACLs, the same {@link SearchService} (so the same cache
 * and limits). Results are text for the model to read (chunk ids, doc ids, headings, scores, text) plus the same data
 * as structured content.
 */
public final class McpEndpoint implements AutoCloseable {
  /** The Streamable HTTP endpoint on the query port. */
  public static final String PATH = "/mcp";

  static final String CALLER = "ragstream.caller";
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final SearchService search;
  private final ChunkSearcher searcher;
  private final Answerer answerer;
  private final McpHttpTransport transport;
  private final McpStatelessSyncServer server;

  /**
   * Builds the server and its tools.
   *
   * @param answerer the answer backend, or null for none (no {@code answer} tool)
   * @param version the server version announced in {@code initialize}
   */
  public McpEndpoint(SearchService search, ChunkSearcher searcher, Answerer answerer, String version) {
    this.search = Objects.requireNonNull(search, "search");
    this.searcher = Objects.requireNonNull(searcher, "searcher");
    this.answerer = answerer;
    McpJsonMapper json = McpJsonDefaults.getMapper();
    this.transport = new McpHttpTransport(json);
    List<SyncToolSpecification> tools = new ArrayList<>();
    tools.add(tool(json, "search", "Search the indexed documents (hybrid BM25 + vector by default). Returns the best"
        + " chunks with chunk id, doc id, headings, score and text.", SEARCH_SCHEMA, this::search));
    tools.add(tool(json, "get_document", "Every indexed chunk of one document, in order, with its headings.",
        DOCUMENT_SCHEMA, this::document));
    if (answerer != null) {
      tools.add(tool(json, "answer", "Answer a question from the indexed documents, citing chunk ids.",
          ANSWER_SCHEMA, this::answer));
    }
    this.server = McpServer.sync(transport)
        .serverInfo("ragstream", version)
        .instructions("Retrieval over the documents ragstream has indexed. Use search to find passages, "
            + "get_document to read a whole document by its docId.")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .jsonMapper(json)
        .tools(tools)
        .build();
  }

  /** Serves {@code POST /mcp} as the authenticated caller of {@code request}. */
  public void handle(Request request) throws IOException {
    Map<String, Object> caller = new LinkedHashMap<>();
    Authentication.principal(request).ifPresent(p -> caller.put(CALLER, p));
    transport.handle(request, McpTransportContext.create(caller));
  }

  @Override
  public void close() {
    server.close();
  }

  private interface ToolCall {
    CallToolResult call(ApiKeys.Principal caller, Map<String, Object> arguments) throws IOException;
  }

  private static SyncToolSpecification tool(McpJsonMapper json, String name, String description, String schema,
      ToolCall call) {
    McpSchema.Tool tool = McpSchema.Tool.builder(name, json, schema).description(description).build();
    return SyncToolSpecification.builder().tool(tool).callHandler((context, request) -> {
      ApiKeys.Principal caller = (ApiKeys.Principal) context.get(CALLER);
      Map<String, Object> arguments = request.arguments() == null ? Map.of() : request.arguments();
      try {
        return call.call(caller, arguments);
      } catch (IllegalArgumentException e) {
        // a tool error the model can read and correct, not a protocol error
        return error(e.getMessage());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).build();
  }

  private CallToolResult search(ApiKeys.Principal caller, Map<String, Object> args) throws IOException {
    int k = integer(args, "k", SearchRequest.DEFAULT_K);
    if (k < 1 || k > search.config().maxK()) {
      throw new IllegalArgumentException("k must be between 1 and " + search.config().maxK() + ", got " + k);
    }
    Object mode = args.get("mode");
    Map<String, String> filters = new LinkedHashMap<>();
    if (args.get("filters") instanceof Map<?, ?> given) {
      given.forEach((key, value) -> filters.put(String.valueOf(key), String.valueOf(value)));
    } else if (args.get("filters") != null) {
      throw new IllegalArgumentException("filters must be an object of metadata key to value");
    }
    SearchRequest request = new SearchRequest(string(args, "query", true), k,
        mode == null ? SearchMode.HYBRID : SearchMode.parse(String.valueOf(mode)), tenant(caller, args, null),
        filters).withPrincipals(principals(caller));
    SearchResponse response = search.search(request);
    StringBuilder text = new StringBuilder();
    int rank = 1;
    for (SearchResult r : response.results()) {
      text.append(rank++).append(". chunkId=").append(r.chunkId()).append(" docId=").append(r.docId())
          .append(String.format(Locale.ROOT, " score=%.4f", r.score()));
      if (!r.headings().isEmpty()) {
        text.append(" headings=").append(String.join(" > ", r.headings()));
      }
      text.append('\n').append(r.text()).append("\n\n");
    }
    if (response.results().isEmpty()) {
      text.append("No results.");
    }
    return result(text.toString().strip(), HttpJson.mapper().convertValue(response, MAP));
  }

  private CallToolResult document(ApiKeys.Principal caller, Map<String, Object> args) throws IOException {
    String docId = InputLimits.docId(string(args, "docId", true));
    String tenant = tenant(caller, args, SearchRequest.DEFAULT_TENANT);
    List<String> principals = principals(caller);
    List<StoredChunk> chunks = searcher.chunksOfDocument(docId, tenant).stream()
        .filter(c -> DocumentAcl.visible(c.acl(), principals)).toList();
    if (chunks.isEmpty()) {
      // as GET /v1/documents/{docId}: a document the caller may not see is not found
      return error("document '" + InputLimits.printable(docId) + "' has no indexed chunks in tenant '" + tenant
          + "'");
    }
    StringBuilder text = new StringBuilder("docId=").append(docId);
    if (chunks.getFirst().title() != null) {
      text.append(" title=").append(chunks.getFirst().title());
    }
    List<Map<String, Object>> structured = new ArrayList<>();
    for (StoredChunk c : chunks) {
      text.append("\n\n[chunkId=").append(c.chunkId());
      if (!c.headings().isEmpty()) {
        text.append(" headings=").append(String.join(" > ", c.headings()));
      }
      text.append("]\n").append(c.text());
      Map<String, Object> chunk = new LinkedHashMap<>();
      chunk.put("chunkId", c.chunkId());
      chunk.put("ordinal", c.ordinal());
      chunk.put("headings", c.headings());
      chunk.put("text", c.text());
      structured.add(chunk);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("docId", docId);
    body.put("tenant", tenant);
    body.put("title", chunks.getFirst().title());
    body.put("sourceName", chunks.getFirst().sourceName());
    body.put("chunks", structured);
    return result(text.toString(), body);
  }

  private CallToolResult answer(ApiKeys.Principal caller, Map<String, Object> args) throws IOException {
    String question = InputLimits.query(string(args, "query", true));
    Answerer.Answer answer = answerer.answer(question, tenant(caller, args, SearchRequest.DEFAULT_TENANT),
        principals(caller));
    StringBuilder text = new StringBuilder(answer.answer());
    if (!answer.citations().isEmpty()) {
      text.append("\n\nCitations:");
      answer.citations().forEach(c -> text.append("\n- chunkId=").append(c.chunkId()).append(" docId=")
          .append(c.docId()));
    }
    return result(text.toString(), HttpJson.mapper().convertValue(answer, MAP));
  }

  /** The key's tenant (naming another is an error, as over REST); in open mode the argument, else the default. */
  private static String tenant(ApiKeys.Principal caller, Map<String, Object> args, String fallback) {
    Object given = args.get("tenant");
    String requested = given == null ? null : InputLimits.tenant(String.valueOf(given));
    if (caller == null) {
      return requested == null ? fallback == null ? SearchRequest.DEFAULT_TENANT : fallback : requested;
    }
    if (requested != null && !requested.equals(caller.tenant())) {
      throw new IllegalArgumentException("this API key belongs to another tenant than '"
          + InputLimits.printable(requested) + "'; omit 'tenant'");
    }
    return caller.tenant();
  }

  /** As over REST: the key's principals; null (unrestricted) in open mode. */
  private static List<String> principals(ApiKeys.Principal caller) {
    return caller == null ? null : caller.principals();
  }

  private static String string(Map<String, Object> args, String name, boolean required) {
    Object value = args.get(name);
    if (value == null || String.valueOf(value).isBlank()) {
      if (required) {
        throw new IllegalArgumentException("argument '" + name + "' is required");
      }
      return null;
    }
    return String.valueOf(value);
  }

  private static int integer(Map<String, Object> args, String name, int fallback) {
    Object value = args.get(name);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.intValue();
    }
    throw new IllegalArgumentException("argument '" + name + "' must be an integer, got " + value);
  }

  private static CallToolResult result(String text, Map<String, Object> structured) {
    return CallToolResult.builder().addTextContent(text).structuredContent(structured).isError(false).build();
  }

  private static CallToolResult error(String message) {
    return CallToolResult.builder().addTextContent(message).isError(true).build();
  }

  private static final String SEARCH_SCHEMA = """
      {"type": "object",
       "properties": {
         "query": {"type": "string", "description": "what to search for"},
         "k": {"type": "integer", "minimum": 1, "description": "how many chunks (default 10)"},
         "mode": {"type": "string", "enum": ["hybrid", "keyword", "vector", "hierarchical"],
                  "description": "retrieval mode (default hybrid)"},
         "filters": {"type": "object", "additionalProperties": {"type": "string"},
                     "description": "exact-match conditions on document metadata"},
         "tenant": {"type": "string", "description": "only with an open server; a key's tenant is implied"}
       },
       "required": ["query"]}""";

  private static final String DOCUMENT_SCHEMA = """
      {"type": "object",
       "properties": {
         "docId": {"type": "string", "description": "the document id (as search results give it)"},
         "tenant": {"type": "string", "description": "only with an open server; a key's tenant is implied"}
       },
       "required": ["docId"]}""";

  private static final String ANSWER_SCHEMA = """
      {"type": "object",
       "properties": {
         "query": {"type": "string", "description": "the question"},
         "tenant": {"type": "string", "description": "only with an open server; a key's tenant is implied"}
       },
       "required": ["query"]}""";
}
