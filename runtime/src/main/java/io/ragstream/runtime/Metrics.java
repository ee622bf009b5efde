package io.ragstream.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The process-wide Prometheus registry. In embedded mode every stage runs in one JVM, so one registry serves one
 * {@code /metrics} endpoint for all of them. Meter names start with {@code ragstream_} (Micrometer's
 * {@code ragstream.x.y} becomes {@code ragstream_x_y} in Prometheus).
 */
public final class Metrics {
  private static final PrometheusMeterRegistry REGISTRY = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private Metrics() {}

  public static MeterRegistry registry() {
    return REGISTRY;
  }

  /** The Prometheus text exposition of every meter. */
  public static String scrape() {
    return REGISTRY.scrape();
  }
}
