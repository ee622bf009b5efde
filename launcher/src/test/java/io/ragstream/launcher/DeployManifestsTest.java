package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ragstream.schemas.SerdeSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** docker-compose.yml and deploy/k8s, parsed: what `docker compose up` and `kubectl apply` rely on. */
class DeployManifestsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = Path.of("..");
  private static final Set<String> STAGES = Set.of("extract", "chunker", "embedder", "indexer", "status", "query",
      "ingest");

  @Test
  void composeHasEveryServiceWithAnImageAHealthCheckAndTheBootstrapItNeeds() throws IOException {
    // SnakeYAML, not Jackson, for the compose file: it resolves the `<<: *stage` merge keys as compose does.
    Object compose = new org.yaml.snakeyaml.Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    JsonNode services = YAML.valueToTree(compose).path("services");
    Set<String> names = new HashSet<>();
    services.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsAll(STAGES).contains("kafka", "registry", "qdrant", "elasticsearch", "redis",
        "prometheus", "grafana");
    services.properties().forEach(e -> {
      JsonNode service = e.getValue();
      assertThat(service.path("image").asText()).as(e.getKey() + " image").isNotBlank();
      assertThat(service.path("healthcheck").path("test").isMissingNode()).as(e.getKey() + " healthcheck").isFalse();
      if (STAGES.contains(e.getKey())) {
        assertThat(service.path("command").toString()).as(e.getKey()).contains("--bootstrap", "kafka:9092");
        assertThat(service.path("depends_on").path("kafka").path("condition").asText()).isEqualTo("service_healthy");
      }
    });
    assertThat(services.path("indexer").path("depends_on").has("qdrant")).isTrue();
    assertThat(services.path("query").path("depends_on").has("elasticsearch")).isTrue();
    assertThat(services.path("grafana").path("volumes").toString()).contains("./deploy/grafana");
  }

  @Test
  void everyStageWritesAvroThroughTheRegistryOnceTheRegistryIsHealthy() throws IOException {
    Object compose = new org.yaml.snakeyaml.Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    JsonNode services = YAML.valueToTree(compose).path("services");
    JsonNode registry = services.path("registry");
    assertThat(registry.path("environment").path("REGISTRY_RULES_GLOBAL_COMPATIBILITY").asText())
        .isEqualTo("BACKWARD");
    assertThat(registry.path("healthcheck").path("test").toString()).contains("/health/ready");
    // The serde and the server from the same Apicurio line (the 2.x serde speaks the v2 API).
    assertThat(registry.path("image").asText()).startsWith("apicurio/apicurio-registry").contains(":2.6.");
    String containerPort = registry.path("ports").get(0).asText().split(":")[1];
    for (String stage : STAGES) {
      JsonNode service = services.path(stage);
      String url = service.path("environment").path(SerdeSettings.REGISTRY_URL_ENV).asText();
      // Parsed by the stages' own validation: a ccompat URL or a typo fails here, not at the first record.
      SerdeSettings serdes = SerdeSettings.fromEnvironment(Map.of(SerdeSettings.REGISTRY_URL_ENV, url));
      assertThat(serdes.registryMode()).as(stage + " registry mode").isTrue();
      assertThat(serdes.registryUrl().getHost()).as(stage).isEqualTo("registry");
      assertThat(serdes.registryUrl().getPort()).as(stage).isEqualTo(Integer.parseInt(containerPort));
      assertThat(serdes.registryUrl().getPath()).as(stage).isEqualTo("/apis/registry/v2");
      assertThat(service.path("depends_on").path("registry").path("condition").asText()).as(stage)
          .isEqualTo("service_healthy");
    }
  }

  @Test
  void everyDeploymentHasProbesAndASelectorMatchingItsPodLabels() throws IOException {
    List<JsonNode> docs = k8s();
    List<JsonNode> deployments = ofKind(docs, "Deployment");
    assertThat(deployments).extracting(d -> d.path("metadata").path("name").asText())
        .containsExactlyInAnyOrderElementsOf(STAGES.stream().map(s -> "ragstream-" + s).toList());
    for (JsonNode d : deployments) {
      JsonNode selector = d.path("spec").path("selector").path("matchLabels");
      JsonNode labels = d.path("spec").path("template").path("metadata").path("labels");
      selector.properties().forEach(e -> assertThat(labels.path(e.getKey())).isEqualTo(e.getValue()));
      for (JsonNode c : d.path("spec").path("template").path("spec").path("containers")) {
        assertThat(c.has("livenessProbe")).as(c.path("name") + " liveness").isTrue();
        assertThat(c.has("readinessProbe")).as(c.path("name") + " readiness").isTrue();
        assertThat(c.path("envFrom").toString()).contains("ragstream-config", "ragstream-credentials");
      }
    }
    for (JsonNode service : ofKind(docs, "Service")) {
      JsonNode selector = service.path("spec").path("selector");
      assertThat(deployments).anySatisfy(d -> selector.properties().forEach(e -> assertThat(
          d.path("spec").path("template").path("metadata").path("labels").path(e.getKey())).isEqualTo(e.getValue())));
    }
    assertThat(ofKind(docs, "ConfigMap")).hasSize(1);
    assertThat(ofKind(docs, "Secret")).hasSize(1);
  }

  @Test
  void queryScalesOnCpuAndWorkersOnTheLagOfTheirRealConsumerGroups() throws IOException {
    List<JsonNode> docs = k8s();
    JsonNode hpa = ofKind(docs, "HorizontalPodAutoscaler").getFirst();
    assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo("ragstream-query");
    assertThat(hpa.path("spec").path("metrics").get(0).path("resource").path("name").asText()).isEqualTo("cpu");
    // The groups the code uses: TransactionalStage (<prefix><stage>) and IndexerWorker (<prefix>indexer-<store>-<gen>).
    Set<String> groups = Set.of("ragstream.extract", "ragstream.embedder", "ragstream.indexer-lucene-g1");
    List<JsonNode> scaled = ofKind(docs, "ScaledObject");
    assertThat(scaled).hasSize(3);
    Set<String> deploymentNames = new HashSet<>();
    ofKind(docs, "Deployment").forEach(d -> deploymentNames.add(d.path("metadata").path("name").asText()));
    for (JsonNode s : scaled) {
      assertThat(deploymentNames).contains(s.path("spec").path("scaleTargetRef").path("name").asText());
      JsonNode trigger = s.path("spec").path("triggers").get(0);
      assertThat(trigger.path("type").asText()).isEqualTo("kafka");
      assertThat(groups).contains(trigger.path("metadata").path("consumerGroup").asText());
    }
  }

  private static List<JsonNode> k8s() throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(ROOT.resolve("deploy/k8s"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
          while (it.hasNext()) {
            JsonNode doc = it.next();
            if (doc != null && !doc.isEmpty()) {
              docs.add(doc);
            }
          }
        }
      }
    }
    return docs;
  }

  private static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }
}
