package io.ragstream.launcher.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrafanaDashboardsTest {
  @Test
  void readsEveryVisibleTargetOfNestedPanelsWithVariablesSubstituted(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("d.json"), """
        {"title": "D",
         "templating": {"list": [{"name": "stage", "current": {"value": "embedder"}},
                                 {"name": "store", "current": {"value": ["$__all"]}}]},
         "panels": [
           {"title": "A", "targets": [{"refId": "A", "expr": "rate(x{stage=\\"$stage\\"}[$__rate_interval])"},
                                      {"refId": "B", "expr": "hidden", "hide": true}]},
           {"title": "Row", "type": "row", "panels": [
             {"title": "B", "targets": [{"refId": "A", "expr": "y{store=~\\"${store}\\"}[$__range_s]"}]}]},
           {"title": "Text", "type": "text"}]}
        """);
    Files.writeString(dir.resolve("notes.txt"), "not a dashboard");

    List<GrafanaDashboards.PanelQuery> queries = GrafanaDashboards.queries(dir);

    assertThat(queries).extracting(GrafanaDashboards.PanelQuery::panel, GrafanaDashboards.PanelQuery::expr)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("A", "rate(x{stage=\"embedder\"}[1m])"),
            org.assertj.core.groups.Tuple.tuple("B", "y{store=~\".*\"}[300]"));
  }

  @Test
  void theShippedDashboardHasQueriesAndNoUnresolvedVariable() throws Exception {
    List<GrafanaDashboards.PanelQuery> queries = GrafanaDashboards.queries(ClusterIT.dashboardsDir());
    assertThat(queries).isNotEmpty().allSatisfy(q -> assertThat(q.expr()).doesNotContain("$", "[["));
    // every panel that has a query is read (none lost to the walk over the JSON)
    long panelsWithTargets = 0;
    for (var panel : new ObjectMapper().readTree(ClusterIT.dashboardsDir().resolve("ragstream.json").toFile())
        .path("panels")) {
      panelsWithTargets += panel.path("targets").isEmpty() ? 0 : 1;
    }
    assertThat(queries.stream().map(GrafanaDashboards.PanelQuery::panel).distinct().count())
        .isEqualTo(panelsWithTargets);
  }
}
