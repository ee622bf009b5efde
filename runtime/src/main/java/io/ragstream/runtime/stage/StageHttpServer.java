package io.ragstream.runtime.stage;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.http.HttpServers;
import io.ragstream.runtime.http.Router;
import io.ragstream.runtime.http.SafeHandler;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The small HTTP server of a stage without an API of its own (extract, chunker, embedder, indexer, status):
 * {@code /health}, {@code /ready} and {@code /metrics} only ({@link HealthRoutes}), so a supervisor or a Kubernetes
 * probe can tell a live worker from a live process, and Prometheus can scrape every stage.
 */
public final class StageHttpServer implements AutoCloseable {
  private final HttpServer server;

  private StageHttpServer(HttpServer server) {
    this.server = server;
  }

  /** Binds {@code port} (0: an ephemeral one, see {@link #port()}) and starts serving. */
  public static StageHttpServer start(int port, Supplier<? extends Health> health, MeterRegistry metrics)
      throws IOException {
    Router router = HealthRoutes.register(new Router(), health, metrics);
    HttpServer server = HttpServers.create(port, SafeHandler.wrap(router));
    server.start();
    return new StageHttpServer(server);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    HttpServers.stop(server, 1);
  }
}
