package io.ragstream.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code redis-server} process on loopback: the query replicas' shared cache. Nothing is persisted (no RDB, no
 * AOF): a cache that restarts empty only costs recomputation, and a stale entry can never come back from disk.
 *
 * @param executable the redis-server binary ({@code redis-server} on PATH by default)
 * @param port the port it listens on
 * @param dir its working directory
 */
public record RedisServer(String executable, int port, Path dir) {
  public static final String DEFAULT_EXECUTABLE = "redis-server";

  public ProcessBuilder processBuilder() throws IOException {
    Files.createDirectories(dir);
    return new ProcessBuilder(List.of(executable, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--dir", dir.toAbsolutePath().toString(), "--save", "", "--appendonly", "no", "--daemonize", "no",
        "--protected-mode", "yes", "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru"));
  }

  /** {@code redis://127.0.0.1:PORT/0}. */
  public String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /** Whether the server answers {@code PING} with {@code +PONG}. */
  public static boolean ping(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = in.readNBytes(7);
      return new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
