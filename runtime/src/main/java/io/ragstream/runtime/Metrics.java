package io.ragstream.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
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

  /**
   * The Prometheus text of {@code registry}: itself if it is a Prometheus registry, else the first Prometheus
   * registry inside a composite, else the process-wide one (a registry Prometheus cannot read has nothing to show).
   */
  public static String scrape(MeterRegistry registry) {
    PrometheusMeterRegistry prometheus = prometheus(registry);
    return (prometheus == null ? REGISTRY : prometheus).scrape();
  }

  private static PrometheusMeterRegistry prometheus(MeterRegistry registry) {
    if (registry instanceof PrometheusMeterRegistry p) {
      return p;
    }
    if (registry instanceof CompositeMeterRegistry composite) {
      for (MeterRegistry child : composite.getRegistries()) {
        PrometheusMeterRegistry p = prometheus(child);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }
}
