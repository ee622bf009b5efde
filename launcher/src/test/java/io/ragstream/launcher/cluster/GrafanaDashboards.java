package io.ragstream.launcher.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The PromQL of every panel of the Grafana dashboards in a directory, as Grafana would send it to Prometheus: rows'
 * nested panels included, hidden targets left out, template variables substituted ({@code $__rate_interval} and
 * friends by fixed windows that hold several scrapes of the cluster's 5 s interval; a dashboard variable by its
 * current value, or {@code .*} for "All").
 */
final class GrafanaDashboards {
  /** Grafana's built-in interval variables, at values a 5 s scrape interval fills with samples. */
  static final Map<String, String> BUILT_IN = Map.of("__rate_interval", "1m", "__interval", "15s",
      "__range", "5m", "__interval_ms", "15000", "__range_s", "300");

  /** One query of one panel. */
  record PanelQuery(String dashboard, String panel, String refId, String expr) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + " [" + refId + "]: " + expr;
    }
  }

  private GrafanaDashboards() {}

  static List<PanelQuery> queries(Path dir) throws IOException {
    List<PanelQuery> queries = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    ObjectMapper json = new ObjectMapper();
    for (Path file : files) {
      JsonNode dashboard = json.readTree(file.toFile());
      Map<String, String> variables = variables(dashboard);
      String name = dashboard.path("title").asText(file.getFileName().toString());
      collect(name, dashboard.path("panels"), variables, queries);
    }
    return queries;
  }

  private static void collect(String dashboard, JsonNode panels, Map<String, String> variables,
      List<PanelQuery> into) {
    for (JsonNode panel : panels) {
      collect(dashboard, panel.path("panels"), variables, into); // a row's panels
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText("");
        if (expr.isBlank() || target.path("hide").asBoolean(false)) {
          continue;
        }
        into.add(new PanelQuery(dashboard, panel.path("title").asText(), target.path("refId").asText(""),
            substitute(expr, variables)));
      }
    }
  }

  /** Built-ins, then the dashboard's own variables at their current value ({@code .*} where that is "All"). */
  static Map<String, String> variables(JsonNode dashboard) {
    Map<String, String> variables = new LinkedHashMap<>(BUILT_IN);
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      JsonNode current = variable.path("current").path("value");
      String value = current.isArray() ? (current.isEmpty() ? "$__all" : current.get(0).asText()) : current.asText();
      variables.put(variable.path("name").asText(), value.isEmpty() || value.equals("$__all") ? ".*" : value);
    }
    return variables;
  }

  /** Replaces {@code $name}, {@code ${name}} and {@code [[name]]}, longest names first ($__range_s before $__range). */
  static String substitute(String expr, Map<String, String> variables) {
    String out = expr;
    List<String> names = variables.keySet().stream()
        .sorted((a, b) -> Integer.compare(b.length(), a.length())).toList();
    for (String name : names) {
      String value = variables.get(name);
      out = out.replace("${" + name + "}", value).replace("[[" + name + "]]", value).replace("$" + name, value);
    }
    return out;
  }
}
