package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.runtime.stage.StageHttpServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * A stage as an OS process (the contract {@code ragstream cluster}, compose and Kubernetes rely on): it serves
 * {@code /health}, {@code /ready} and {@code /metrics} (on its API port for query and ingest, else on a small server
 * of its own), prints {@code ragstream stage NAME ready on port P} once started, exits with {@value #EXIT_FAILED}
 * when its stage fails for good (a dead worker, a fenced producer, a Streams client in ERROR), so that a supervisor
 * restarts it, and exits 0 after a clean stop on SIGTERM or SIGINT.
 */
final class StageProcess {
  private static final Logger LOG = LoggerFactory.getLogger(StageProcess.class);
  /** EX_SOFTWARE of sysexits.h: an internal error stopped the stage. */
  static final int EXIT_FAILED = 70;
  private static final Duration WATCH_INTERVAL = Duration.ofMillis(200);

  private StageProcess() {}

  /**
   * Serves {@code stage} until it fails or the process is told to stop; never returns normally.
   *
   * @param port the health port of a stage without an HTTP API (0: ephemeral); ignored for query and ingest
   */
  static int run(StageHandle stage, int port, MeterRegistry metrics) throws IOException, InterruptedException {
    StageHttpServer health = null;
    int boundPort = stage.httpPort();
    try {
      if (boundPort < 0) {
        health = StageHttpServer.start(port, () -> stage, metrics);
        boundPort = health.port();
      }
    } catch (IOException | RuntimeException e) {
      stage.close();
      throw e;
    }
    StageHttpServer server = health;
    Thread shutdown = new Thread(() -> {
      LOG.info("stopping stage {}", stage.name());
      stage.close();
      if (server != null) {
        server.close();
      }
    }, "ragstream-stage-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    // A clean stop on SIGTERM/SIGINT is a success: without this the JVM exits 143/130, which a supervisor counts
    // as a crash. The shutdown hook above still does the stopping.
    for (String signal : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(signal), s -> System.exit(0));
    }
    System.out.println("ragstream stage " + stage.name() + " ready on port " + boundPort);
    System.out.flush();
    while (true) {
      Optional<Throwable> failure = stage.failure();
      if (failure.isPresent()) {
        LOG.error("stage {} failed, exiting with {} so that it is restarted", stage.name(), EXIT_FAILED,
            failure.get());
        System.err.println("ragstream stage " + stage.name() + " failed: " + failure.get());
        System.exit(EXIT_FAILED);
      }
      Thread.sleep(WATCH_INTERVAL);
    }
  }
}
