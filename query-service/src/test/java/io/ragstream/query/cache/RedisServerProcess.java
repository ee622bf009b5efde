package io.ragstream.query.cache;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real redis-server child process on a free port, without persistence. Tests that need it are skipped, saying why,
 * where the binary is not installed ({@code apt-get install redis-server}).
 */
final class RedisServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;

  private RedisServerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static RedisServerProcess start() throws IOException, InterruptedException {
    return start(new String[0]);
  }

  /** With more redis-server arguments, e.g. {@code --requirepass PASSWORD}. */
  static RedisServerProcess start(String... extraArgs) throws IOException, InterruptedException {
    Path binary = findBinary();
    Assumptions.assumeTrue(binary != null, "redis-server is not installed (apt-get install redis-server): skipped");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(binary.toString(), "--port",
        Integer.toString(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"));
    command.addAll(java.util.List.of(extraArgs));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket probe = new Socket("127.0.0.1", port)) {
        return new RedisServerProcess(process, port);
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IOException("redis-server exited with " + process.exitValue(), notYet);
        }
        Thread.sleep(50);
      }
    }
    process.destroyForcibly();
    throw new IOException("redis-server did not listen on port " + port + " within 10 s");
  }

  private static Path findBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
