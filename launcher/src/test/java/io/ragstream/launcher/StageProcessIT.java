package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ragstream.runtime.kafka.EmbeddedKafkaExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ragstream stage NAME} as a real OS process (the contract the cluster supervisor, compose and Kubernetes
 * rely on): the ready line with the bound port, {@code /health}, {@code /ready}, {@code /metrics}, exit 0 on SIGTERM,
 * and exit 70 when its worker dies of a fatal error.
 */
class StageProcessIT {
  private static final Pattern READY = Pattern.compile("ragstream stage (\\S+) ready on port (\\d+)");
  @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  @Test
  void statusStageServesHealthReadyMetricsAndStopsWithZeroOnSigterm(@TempDir Path dataDir) throws Exception {
    Process process = stage("status", dataDir, "--instance", "it-1");
    try {
      int port = readyPort(process, "status");
      await().atMost(Duration.ofSeconds(90)).until(() -> get(port, "/ready").statusCode() == 200);
      assertThat(get(port, "/ready").body()).contains("READY");
      assertThat(get(port, "/health").statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = get(port, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("ragstream_stage_records_in_total{stage=\"status\"");
      assertThat(get(port, "/v1/search").statusCode()).isEqualTo(404); // only the three routes
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void queryStageServesTheApiTheStatusPageAndTheCacheOnItsPort(@TempDir Path dataDir) throws Exception {
    Process process = stage("query", dataDir, "--instance", "it-3");
    try {
      int port = readyPort(process, "query");
      await().atMost(Duration.ofSeconds(90)).until(() -> get(port, "/ready").statusCode() == 200);
      assertThat(get(port, "/v1/search?q=lighthouse").statusCode()).isEqualTo(200);
      assertThat(get(port, "/").statusCode()).as("the status page").isEqualTo(200);
      assertThat(get(port, "/v1/ops/overview").statusCode()).isEqualTo(200);
      // the query cache is wired in stage mode too (before, `stage query` had none: its meter said cache="none")
      assertThat(get(port, "/metrics").body()).contains("ragstream_query_cache_total{cache=\"caffeine\"");
      process.destroy();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isZero();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void indexerWhoseWorkerDiesExitsWithSeventy(@TempDir Path dataDir) throws Exception {
    // the generation pointer is unreadable (a directory): the indexer cannot know which generation to write, a fatal
    // error of its worker, which must end the process rather than leave it alive and idle
    Files.createDirectories(dataDir.resolve("index").resolve("CURRENT"));
    Process process = stage("indexer", dataDir, "--instance", "it-2");
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(StageProcess.EXIT_FAILED);
    } finally {
      process.destroyForcibly();
    }
  }

  private static Process stage(String name, Path dataDir, String... extra) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // the JVM options this test runs with (native access, Unsafe, the Vector API, the tmpdir)
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--") || a.startsWith("-Djava.io.tmpdir")).forEach(command::add);
    command.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"),
        Ragstream.class.getName(), "stage", name, "--bootstrap", KAFKA.bootstrapServers(), "--data-dir",
        dataDir.toString(), "--port", "0"));
    command.addAll(List.of(extra));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Reads stdout until the ready line, then keeps draining it so the child never blocks on a full pipe. */
  private static int readyPort(Process process, String name) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = READY.matcher(line);
      if (m.find()) {
        assertThat(m.group(1)).isEqualTo(name);
        Thread.ofVirtual().start(() -> out.lines().forEach(l -> {}));
        return Integer.parseInt(m.group(2));
      }
    }
    throw new AssertionError("stage " + name + " exited (" + waitExit(process) + ") before its ready line");
  }

  private static int waitExit(Process process) {
    try {
      return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
