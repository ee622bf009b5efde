package io.ragstream.ingest.source;

import com.sun.net.httpserver.HttpServer;
import io.ragstream.runtime.http.HttpError;
import io.ragstream.runtime.http.HttpServers;
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

/**
 * The ingest HTTP API (default port 8081): {@code POST /v1/documents} with the file as the body publishes it and
 * answers 202 with its docId once the request is durable in Kafka; {@code DELETE /v1/documents/{docId}} publishes a
 * delete. A body over the size limit is refused with 413 before anything is published.
 */
public final class IngestHttpServer implements AutoCloseable {
  private final HttpServer server;

  public IngestHttpServer(int port, DocumentPublisher publisher, long maxBodyBytes) throws IOException {
    this(port, publisher, maxBodyBytes, () -> Health.of(() -> true), Metrics.registry());
  }

  /**
   * Binds and starts serving, with {@code /health}, {@code /ready} and {@code /metrics} answered from {@code health}
   * and {@code metrics} ({@link HealthRoutes}).
   */
  public IngestHttpServer(int port, DocumentPublisher publisher, long maxBodyBytes,
      Supplier<? extends Health> health, MeterRegistry metrics) throws IOException {
    Router router = new Router()
        .post("/v1/documents", request -> upload(request, publisher, maxBodyBytes))
        .delete("/v1/documents/{docId...}", request -> delete(request, publisher));
    HealthRoutes.register(router, health, metrics);
    this.server = HttpServers.create(port, SafeHandler.wrap(router));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void upload(Request request, DocumentPublisher publisher, long maxBodyBytes) throws IOException {
    QueryParams params = request.query();
    params.rejectUnknown(Set.of("id", "tenant", "name"));
    String contentType = request.header("Content-Type").orElse(null);
    byte[] body = request.body(maxBodyBytes);
    if (body.length == 0) {
      throw HttpError.badRequest("empty body: send the document's bytes as the request body");
    }
    String docId = params.get("id").orElseGet(() -> "upload-" + UUID.randomUUID());
    String tenant = params.get("tenant").orElse("default");
    String name = params.get("name").orElse(null);
    var published = publisher.publish(docId, tenant, contentType, name, body, Map.of());
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("docId", published.docId());
    answer.put("tenant", tenant);
    answer.put("status", "accepted");
    Responses.json(request.exchange(), 202, answer);
  }

  private static void delete(Request request, DocumentPublisher publisher) throws IOException {
    QueryParams params = request.query();
    params.rejectUnknown(Set.of("tenant"));
    String docId = request.pathParam("docId");
    publisher.delete(List.of(docId), params.get("tenant").orElse("default"));
    Responses.json(request.exchange(), 202, Map.of("docId", docId, "status", "delete accepted"));
  }

  @Override
  public void close() {
    HttpServers.stop(server, 1);
  }
}
