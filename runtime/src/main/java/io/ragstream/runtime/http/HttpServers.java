package io.ragstream.runtime.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Creates the JDK {@link HttpServer}s of the services. Requests run on virtual threads: handlers block on stores,
 * models and Kafka, and a thread per request keeps them simple without sizing a pool; what bounds the load is the
 * stores and models behind them, not the thread count.
 */
public final class HttpServers {
  private HttpServers() {}

  /**
   * Binds (but does not start) a server on all interfaces that serves {@code handler} on every path.
   *
   * @param port the port, or 0 for an ephemeral one (read it back from {@code getAddress().getPort()})
   */
  public static HttpServer create(int port, HttpHandler handler) throws IOException {
    return create(new InetSocketAddress(port), handler);
  }

  public static HttpServer create(InetSocketAddress address, HttpHandler handler) throws IOException {
    if (address.getPort() < 0 || address.getPort() > 65535) {
      throw new IllegalArgumentException("port out of range: " + address.getPort());
    }
    HttpServer server = HttpServer.create(address, 0);
    server.createContext("/", handler);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    return server;
  }

  /** Stops the server, giving in-flight exchanges up to {@code graceSeconds}, then ends its executor. */
  public static void stop(HttpServer server, int graceSeconds) {
    server.stop(graceSeconds);
    if (server.getExecutor() instanceof ExecutorService executor) {
      executor.shutdown();
    }
  }
}
