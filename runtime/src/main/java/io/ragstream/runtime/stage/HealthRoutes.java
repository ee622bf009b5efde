package io.ragstream.runtime.stage;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.Request;
import io.ragstream.runtime.http.Responses;
import io.ragstream.runtime.http.Router;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The three routes every stage process serves (DESIGN §7): {@code GET /health} 200 {@code {"status":"UP"}} while the
 * stage has not failed, else 503 with the failure; {@code GET /ready} 200 {@code {"status":"READY"}} while its
 * workers run, else 503 {@code {"status":"NOT_READY","reason":...}}; {@code GET /metrics} the Prometheus text of
 * the stage's registry.
 */
public final class HealthRoutes {
  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private HealthRoutes() {}

  /** Adds the three routes to {@code router}; {@code health} is asked on every request. */
  public static Router register(Router router, Supplier<? extends Health> health, MeterRegistry metrics) {
    return router
        .get("/health", r -> health(r, health.get()))
        .get("/ready", r -> ready(r, health.get()))
        .get("/metrics", r -> Responses.text(r.exchange(), 200, PROMETHEUS_CONTENT_TYPE, Metrics.scrape(metrics)));
  }

  private static void health(Request r, Health health) throws IOException {
    Optional<Throwable> failure = failure(health);
    if (failure.isEmpty()) {
      Responses.json(r.exchange(), 200, Map.of("status", "UP"));
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "DOWN");
    body.put("error", String.valueOf(failure.get()));
    Responses.json(r.exchange(), 503, body);
  }

  private static void ready(Request r, Health health) throws IOException {
    Optional<String> reason;
    try {
      reason = health.notReady();
    } catch (RuntimeException e) {
      // a failing check means not ready; a 500 would read as "the probe endpoint is broken"
      reason = Optional.of("readiness check failed: " + e);
    }
    if (reason.isEmpty()) {
      Responses.json(r.exchange(), 200, Map.of("status", "READY"));
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "NOT_READY");
    body.put("reason", reason.get());
    Responses.json(r.exchange(), 503, body);
  }

  private static Optional<Throwable> failure(Health health) {
    try {
      return health.failure();
    } catch (RuntimeException e) {
      return Optional.of(e);
    }
  }
}
