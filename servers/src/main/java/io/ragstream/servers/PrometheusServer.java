package io.ragstream.servers;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Prometheus server process scraping every process of a local cluster. Its configuration is written as JSON,
 * which Prometheus reads as the YAML it is a subset of.
 *
 * @param executable the prometheus binary ({@code prometheus} on PATH by default)
 * @param port its HTTP port (UI and API)
 * @param dir its directory: {@code prometheus.yml} and the {@code data} TSDB
 * @param scrapeInterval e.g. {@code 5s}
 */
public record PrometheusServer(String executable, int port, Path dir, String scrapeInterval) {
  public static final String DEFAULT_EXECUTABLE = "prometheus";

  /** One scraped process: {@code job} (e.g. the stage), {@code instance} (e.g. embedder-1) and its metrics port. */
  public record Target(String job, String instance, int port) {}

  /** The configuration: one job per distinct {@code job}, each target labelled with its {@code instance}. */
  public Map<String, Object> config(List<Target> targets) {
    Map<String, List<Map<String, Object>>> byJob = new LinkedHashMap<>();
    byJob.computeIfAbsent("prometheus", j -> new ArrayList<>())
        .add(Map.of("targets", List.of("127.0.0.1:" + port), "labels", Map.of("instance", "prometheus-0")));
    for (Target target : targets) {
      byJob.computeIfAbsent(target.job(), j -> new ArrayList<>()).add(Map.of("targets",
          List.of("127.0.0.1:" + target.port()), "labels", Map.of("instance", target.instance())));
    }
    List<Map<String, Object>> jobs = new ArrayList<>();
    byJob.forEach((job, groups) -> jobs.add(Map.of("job_name", job, "metrics_path", "/metrics",
        "static_configs", groups)));
    return Map.of("global", Map.of("scrape_interval", scrapeInterval, "evaluation_interval", scrapeInterval),
        "scrape_configs", jobs);
  }

  /** Writes {@code prometheus.yml} (atomically) and returns its path. */
  public Path writeConfig(List<Target> targets) throws IOException {
    Files.createDirectories(dir.resolve("data"));
    Path file = dir.resolve("prometheus.yml");
    Path tmp = dir.resolve("prometheus.yml.tmp");
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), config(targets));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  public ProcessBuilder processBuilder(Path configFile) {
    return new ProcessBuilder(List.of(executable, "--config.file=" + configFile.toAbsolutePath(),
        "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(),
        "--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.retention.time=2d"));
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Whether {@code executable} is found on PATH (or is an executable path). */
  public static boolean installed(String executable) {
    return Executables.find(executable).isPresent();
  }
}
