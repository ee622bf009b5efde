package io.ragstream.runtime.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StageHttpServerTest {
  /** A poll loop stand-in: runs until closed, or dies with whatever {@link #die} is given. */
  static final class Loop implements Runnable, AutoCloseable {
    final CompletableFuture<RuntimeException> end = new CompletableFuture<>();

    @Override
    public void run() {
      RuntimeException failure;
      try {
        failure = end.get();
      } catch (InterruptedException | ExecutionException e) {
        throw new IllegalStateException(e);
      }
      if (failure != null) {
        throw failure;
      }
    }

    void die(RuntimeException e) {
      end.complete(e);
    }

    @Override
    public void close() {
      end.complete(null);
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void readyAndHealthyWhileTheWorkerRunsThen503WithTheReasonOnceItDies() throws Exception {
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.counter("ragstream.demo.records").increment(3);
    CompositeStage stage = new CompositeStage("demo");
    Loop loop = new Loop();
    stage.worker("demo", loop);
    try (StageHttpServer server = StageHttpServer.start(0, () -> stage, metrics)) {
      int port = server.port();
      await().atMost(Duration.ofSeconds(10)).until(() -> get(port, "/ready").statusCode() == 200);
      assertThat(get(port, "/health").statusCode()).isEqualTo(200);
      assertThat(get(port, "/metrics").body()).contains("ragstream_demo_records_total 3.0");
      assertThat(get(port, "/v1/search").statusCode()).isEqualTo(404);

      loop.die(new IllegalStateException("producer fenced"));

      await().atMost(Duration.ofSeconds(10)).until(() -> get(port, "/ready").statusCode() == 503);
      assertThat(get(port, "/ready").body()).contains("NOT_READY").contains("producer fenced");
      HttpResponse<String> health = get(port, "/health");
      assertThat(health.statusCode()).isEqualTo(503);
      assertThat(health.body()).contains("DOWN").contains("producer fenced");
      assertThat(stage.failure()).get().extracting(Throwable::getMessage).isEqualTo("producer fenced");
    } finally {
      stage.close();
    }
  }

  @Test
  void aWorkerThatReturnsWithoutBeingClosedCountsAsFailedButACloseDoesNot() {
    CompositeStage stage = new CompositeStage("demo");
    Loop returning = new Loop();
    stage.worker("returning", returning);
    returning.end.complete(null); // run() returns, as a loop that exits on its own would
    await().atMost(Duration.ofSeconds(10)).until(() -> stage.failure().isPresent());
    assertThat(stage.failure().get()).hasMessageContaining("stopped without being closed");
    stage.close();

    CompositeStage closed = new CompositeStage("demo");
    closed.worker("closed", new Loop());
    closed.close();
    assertThat(closed.failure()).isEmpty();
    assertThat(closed.notReady()).get().asString().contains("stopped");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
