package io.ragstream.servers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrometheusServerTest {
  @Test
  void writesOneJobPerStageWithEachReplicaLabelledAndItself(@TempDir Path dir) throws Exception {
    PrometheusServer prometheus = new PrometheusServer("prometheus", 9090, dir, "5s");
    Path file = prometheus.writeConfig(List.of(new PrometheusServer.Target("embedder", "embedder-0", 7001),
        new PrometheusServer.Target("embedder", "embedder-1", 7002), new PrometheusServer.Target("query", "query-0",
            7003)));
    JsonNode config = new ObjectMapper().readTree(Files.readString(file));
    assertThat(config.at("/global/scrape_interval").asText()).isEqualTo("5s");
    JsonNode jobs = config.path("scrape_configs");
    assertThat(jobs).extracting(j -> j.path("job_name").asText()).containsExactly("prometheus", "embedder", "query");
    JsonNode embedder = jobs.get(1).path("static_configs");
    assertThat(embedder).hasSize(2);
    assertThat(embedder.get(1).at("/targets/0").asText()).isEqualTo("127.0.0.1:7002");
    assertThat(embedder.get(1).at("/labels/instance").asText()).isEqualTo("embedder-1");
    assertThat(jobs.get(0).at("/static_configs/0/targets/0").asText()).isEqualTo("127.0.0.1:9090");
    assertThat(prometheus.processBuilder(file).command()).contains("--web.listen-address=127.0.0.1:9090",
        "--config.file=" + file.toAbsolutePath());
  }
}
