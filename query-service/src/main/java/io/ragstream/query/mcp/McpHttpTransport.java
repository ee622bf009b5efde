package io.ragstream.query.mcp;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.Responses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * The SDK's stateless Streamable HTTP server transport on the project's router instead of a servlet container: a
 * JSON-RPC request POSTed to {@code /mcp} is answered with one {@code application/json} response, a notification
 * with 202. Stateless (no {@code Mcp-Session-Id}, no server-initiated stream, so {@code GET /mcp} is a 405 the
 * clients expect): the tools need no session, and any instance behind a load balancer can answer any call. The
 * logic is that of the SDK's {@code HttpServletStatelessServerTransport}; authentication has already happened in
 * front of the router, and the caller's identity travels in the {@link McpTransportContext}.
 */
final class McpHttpTransport implements McpStatelessServerTransport {
  private final McpJsonMapper json;
  private volatile McpStatelessServerHandler handler;
  private volatile boolean closing;

  McpHttpTransport(McpJsonMapper json) {
    this.json = Objects.requireNonNull(json, "json");
  }

  @Override
  public void setMcpHandler(McpStatelessServerHandler mcpHandler) {
    this.handler = mcpHandler;
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.fromRunnable(() -> closing = true);
  }

  /** Serves one POST: a request gets its response, a notification a 202; anything else is a 400. */
  void handle(Request request, McpTransportContext context) throws IOException {
    if (closing || handler == null) {
      throw new HttpError(503, "the MCP server is not running");
    }
    byte[] body = request.body(Request.DEFAULT_MAX_BODY_BYTES);
    McpSchema.JSONRPCMessage message;
    try {
      message = McpSchema.deserializeJsonRpcMessage(json, new String(body, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      rpcError(request, 400, McpSchema.ErrorCodes.PARSE_ERROR, "not a JSON-RPC message: " + e.getMessage());
      return;
    }
    switch (message) {
      case McpSchema.JSONRPCRequest rpc -> {
        McpSchema.JSONRPCResponse response = handler.handleRequest(context, rpc)
            .contextWrite(c -> c.put(McpTransportContext.KEY, context))
            .block();
        Responses.text(request.exchange(), 200, Responses.JSON, json.writeValueAsString(response));
      }
      case McpSchema.JSONRPCNotification notification -> {
        handler.handleNotification(context, notification)
            .contextWrite(c -> c.put(McpTransportContext.KEY, context))
            .block();
        Responses.send(request.exchange(), 202, Responses.JSON, new byte[0]);
      }
      default -> rpcError(request, 400, McpSchema.ErrorCodes.INVALID_REQUEST,
          "this server accepts JSON-RPC requests and notifications only");
    }
  }

  /** A JSON-RPC error object: its {@code error} member is also the project's {@code {"error": ...}} shape. */
  private void rpcError(Request request, int status, int code, String message) throws IOException {
    McpSchema.JSONRPCResponse response = new McpSchema.JSONRPCResponse(McpSchema.JSONRPC_VERSION, null, null,
        new McpSchema.JSONRPCResponse.JSONRPCError(code, message, null));
    Responses.text(request.exchange(), status, Responses.JSON, json.writeValueAsString(response));
  }
}
