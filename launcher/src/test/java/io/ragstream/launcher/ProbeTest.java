package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compose health check: 0 only for HTTP 200, with the reason on stderr otherwise. */
class ProbeTest {
  private HttpServer server;
  private String base;

  @BeforeEach
  void serve() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ready", exchange -> answer(exchange, 200, "{\"status\":\"UP\"}"));
    server.createContext("/starting", exchange -> answer(exchange, 503, "{\"status\":\"DOWN\",\"worker\":\"dead\"}"));
    server.createContext("/moved", exchange -> {
      exchange.getResponseHeaders().add("Location", "/ready");
      answer(exchange, 302, "");
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void readyAnswersZeroAndNotReadyOneWithTheBodyOnStderr() {
    assertThat(run(base + "/ready")).isEqualTo(new Outcome(0, ""));
    Outcome notReady = run(base + "/starting");
    assertThat(notReady.code()).isEqualTo(1);
    assertThat(notReady.err()).contains("503", "\"worker\":\"dead\"");
    // a redirect is not readiness (a proxy's login page would otherwise pass)
    assertThat(run(base + "/moved").code()).isEqualTo(1);
  }

  @Test
  void nothingListeningIsUnhealthyNotAHang() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Outcome refused = run("http://127.0.0.1:" + port + "/ready");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("did not answer");
  }

  @Test
  void aBadArgumentIsAUsageErrorNamingTheValue() {
    assertThat(run("not a url").code()).isEqualTo(2);
    Outcome https = run("ftp://127.0.0.1/ready");
    assertThat(https.code()).isEqualTo(2);
    assertThat(https.err()).contains("ftp://127.0.0.1/ready");
  }

  /** As the image runs it: a JVM whose class path holds Probe alone, as /app/classes holds no dependency. */
  @Test
  void runsOnAClassPathWithNothingButItself(@TempDir Path classes) throws Exception {
    String resource = Probe.class.getName().replace('.', '/') + ".class";
    Path copy = classes.resolve(resource);
    Files.createDirectories(copy.getParent());
    try (var in = Probe.class.getClassLoader().getResourceAsStream(resource)) {
      Files.copy(in, copy);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (var expected : List.of(new Object[] {"/ready", 0}, new Object[] {"/starting", 1})) {
      Process p = new ProcessBuilder(java, "-Xmx16m", "-cp", classes.toString(), Probe.class.getName(),
          base + expected[0]).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("%s: %s", expected[0], out).isEqualTo(expected[1]);
    }
  }

  private record Outcome(int code, String err) {}

  private static Outcome run(String url) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Probe.run(new String[] {url}, new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, err.toString(StandardCharsets.UTF_8));
  }

  private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
    exchange.close();
  }
}
