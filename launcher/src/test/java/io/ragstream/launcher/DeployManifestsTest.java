package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.embedder.EmbedderWorker;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.elastic.ElasticSettings;
import io.ragstream.query.cache.QueryCacheSettings;
import io.ragstream.query.status.StatusTracker;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docker-compose.yml, deploy/prometheus and deploy/k8s, parsed and held against the code: the stage names the
 * {@code stage} command takes, the environment variables the code reads, the consumer groups and metrics it
 * produces, the health contract of a stage process ({@code --port} serves {@code /health}, {@code /ready},
 * {@code /metrics}) and the image's layout. Nothing here runs Docker or Kubernetes (neither exists in CI); what
 * could only be seen there is named in deploy/README.md.
 */
class DeployManifestsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = Path.of("..");
  private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?}");
  private static final Pattern K8S_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final Set<String> BACKENDS = Set.of("kafka-1", "kafka-2", "kafka-3", "registry", "qdrant",
      "elasticsearch", "redis", "prometheus", "grafana");
  /** What each lag-scaled stage consumes: the topic its KEDA kafka trigger must name. */
  private static final Map<String, Topic<?, ?>> INPUT_TOPICS = Map.of("extract", Topics.INGEST,
      EmbedderWorker.STAGE, Topics.CHUNKS);

  // ---------------------------------------------------------------- docker-compose.yml

  @Test
  void composeRunsEveryStageTheCommandKnowsBesideItsBackends() throws IOException {
    JsonNode services = compose().path("services");
    assertThat(names(services)).containsAll(stages()).containsAll(BACKENDS);
    services.properties().forEach(e -> {
      assertThat(e.getValue().path("image").asText()).as(e.getKey() + " image").isNotBlank();
      boolean oneShot = "no".equals(e.getValue().path("restart").asText());
      assertThat(oneShot || e.getValue().has("healthcheck")).as(e.getKey() + " health check").isTrue();
      assertThat(e.getValue().path("healthcheck").toString()).as(e.getKey()).doesNotContain("kill -0");
    });
    for (String stage : stages()) {
      JsonNode service = services.path(stage);
      assertThat(args(service).getFirst()).isEqualTo("stage");
      assertThat(args(service).get(1)).isEqualTo(stage);
      assertThat(service.path("restart").asText()).as(stage + ": a fatal error exits, the engine restarts it")
          .isEqualTo("unless-stopped");
      assertThat(option(args(service), "--topic-prefix")).as("groups and topics below assume the default prefix")
          .isNull();
    }
  }

  @Test
  void everyStageHealthCheckCallsReadyOnItsOwnPortWithTheJdkOnlyProbe() throws IOException {
    JsonNode services = compose().path("services");
    Set<Integer> ports = new TreeSet<>();
    for (String stage : stages()) {
      JsonNode service = services.path(stage);
      int port = Integer.parseInt(option(args(service), "--port"));
      ports.add(port);
      List<String> test = strings(service.path("healthcheck").path("test"));
      assertThat(test.getFirst()).as(stage).isEqualTo("CMD");
      assertThat(test.get(1)).isEqualTo("java");
      assertThat(test.subList(test.indexOf("-cp") + 1, test.size()))
          .containsExactly(IMAGE_CLASSES, Probe.class.getName(), "http://127.0.0.1:" + port + "/ready");
      assertThat(service.path("healthcheck").path("timeout").asText()).as(stage + ": longer than the probe's own")
          .isNotBlank();
    }
    assertThat(ports).as("a port per stage").hasSize(stages().size());
    assertThat(option(args(services.path("query")), "--port")).isEqualTo("8080");
    assertThat(option(args(services.path("ingest")), "--port")).isEqualTo("8081");
  }

  /** Jib's default layout puts the project's classes in /app/classes; the health check's class path relies on it. */
  private static final String IMAGE_CLASSES = "/app/classes";

  @Test
  void theImageKeepsTheClassesDirectoryTheHealthCheckRunsFrom() throws Exception {
    String pom = Files.readString(ROOT.resolve("launcher/pom.xml"));
    String jib = pom.substring(pom.indexOf("jib-maven-plugin"), pom.indexOf("</plugin>", pom.indexOf("jib-maven-plugin")));
    assertThat(jib).doesNotContain("<appRoot>").doesNotContain("<containerizingMode>packaged");
    assertThat(Probe.class.getMethod("main", String[].class)).isNotNull();
    // only JDK types: nothing else is on /app/classes (ProbeTest runs it on a class path of itself alone)
    assertThat(Probe.class.getDeclaredClasses()).isEmpty();
  }

  @Test
  void threeBrokersReplicateEverythingThreeTimesWithTwoInSyncAndEveryStageUsesThem() throws IOException {
    JsonNode services = compose().path("services");
    List<String> brokers = names(services).stream().filter(n -> services.path(n).path("environment")
        .has("KAFKA_NODE_ID")).sorted().toList();
    assertThat(brokers).containsExactly("kafka-1", "kafka-2", "kafka-3");
    Set<String> clusterIds = new TreeSet<>();
    List<String> internal = new ArrayList<>();
    for (String broker : brokers) {
      JsonNode env = services.path(broker).path("environment");
      clusterIds.add(env.path("CLUSTER_ID").asText());
      assertThat(env.path("KAFKA_PROCESS_ROLES").asText()).contains("broker", "controller");
      assertThat(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText())
          .isEqualTo("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
      assertThat(env.path("KAFKA_DEFAULT_REPLICATION_FACTOR").asInt()).isEqualTo(3);
      assertThat(env.path("KAFKA_MIN_INSYNC_REPLICAS").asInt()).isEqualTo(2);
      assertThat(env.path("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asInt()).isEqualTo(3);
      assertThat(env.path("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asInt()).isEqualTo(3);
      assertThat(env.path("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asInt()).isEqualTo(2);
      assertThat(services.path(broker).path("volumes").toString()).as(broker + " keeps its log")
          .contains(broker + "-data:");
      internal.add(Arrays.stream(env.path("KAFKA_ADVERTISED_LISTENERS").asText().split(","))
          .filter(l -> l.startsWith("PLAINTEXT://")).findFirst().orElseThrow().substring("PLAINTEXT://".length()));
    }
    assertThat(clusterIds).hasSize(1);
    for (String stage : stages()) {
      JsonNode service = services.path(stage);
      assertThat(option(args(service), "--bootstrap")).as(stage).isEqualTo(String.join(",", internal));
      assertThat(option(args(service), "--replication")).as(stage).isEqualTo("3");
      for (String broker : brokers) {
        assertThat(service.path("depends_on").path(broker).path("condition").asText()).as(stage)
            .isEqualTo("service_healthy");
      }
    }
  }

  @Test
  void nothingIsPublishedBeyondLoopbackUnlessTheOperatorSaysSo() throws IOException {
    JsonNode services = compose().path("services");
    services.properties().forEach(e -> {
      for (JsonNode mapping : e.getValue().path("ports")) {
        String hostAddress = interpolate(mapping.asText()).split(":")[0];
        assertThat(hostAddress).as(e.getKey() + " publishes " + mapping.asText()).isEqualTo("127.0.0.1");
      }
    });
    assertThat(services.path("query").path("ports").get(0).asText()).startsWith("${RAGSTREAM_PUBLISH_ADDRESS:-");
  }

  @Test
  void everyReplicaOfEveryStageHasStateOfItsOwn() throws IOException {
    JsonNode services = compose().path("services");
    for (String stage : stages()) {
      JsonNode service = services.path(stage);
      assertThat(service.has("container_name")).as(stage + " must stay scalable").isFalse();
      String dataDir = option(args(service), "--data-dir");
      for (JsonNode volume : service.path("volumes")) {
        String spec = volume.isTextual() ? volume.asText() : volume.path("source").asText() + ":"
            + volume.path("target").asText();
        // "/path" alone is an anonymous volume: one per container, so one per --scale replica
        assertThat(spec).as(stage + " shares " + spec + " between its replicas").doesNotContain(":");
      }
      if (dataDir != null) {
        assertThat(strings(service.path("volumes"))).as(stage + " keeps " + dataDir + " in a volume")
            .anySatisfy(v -> assertThat(dataDir).startsWith(v));
      }
    }
    assertThat(option(args(services.path("chunker")), "--data-dir")).as("the chunker's Streams state").isNotNull();
  }

  @Test
  void prometheusScrapesEveryReplicaOfEveryStageAtThePortItIsGiven() throws IOException {
    JsonNode services = compose().path("services");
    JsonNode prometheus = YAML.readTree(ROOT.resolve("deploy/prometheus/prometheus.yml").toFile());
    Map<String, Integer> scraped = new HashMap<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      assertThat(job.path("metrics_path").asText("/metrics")).isEqualTo("/metrics");
      assertThat(job.has("static_configs")).as("a static target is one replica of a scaled service").isFalse();
      for (JsonNode sd : job.path("dns_sd_configs")) {
        assertThat(sd.path("type").asText()).isEqualTo("A");
        sd.path("names").forEach(n -> scraped.put(n.asText(), sd.path("port").asInt()));
      }
    }
    for (String stage : stages()) {
      assertThat(scraped).as(stage).containsEntry(stage, Integer.parseInt(option(args(services.path(stage)),
          "--port")));
    }
    assertThat(services.path("prometheus").path("volumes").toString()).contains("./deploy/prometheus/prometheus.yml");
    assertThat(services.path("grafana").path("volumes").toString()).contains("./deploy/grafana");
  }

  @Test
  void prometheusAcceptsItsConfigurationWherePromtoolIsInstalled() throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool not installed (Debian: prometheus); the scrape"
        + " configuration's syntax is not checked, its content is (prometheusScrapesEveryReplica...)");
    Process p = new ProcessBuilder(promtool.toString(), "check", "config", "--syntax-only",
        ROOT.resolve("deploy/prometheus/prometheus.yml").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  @Test
  void everyStageWritesAvroThroughTheRegistryOnceTheRegistryIsHealthy() throws IOException {
    JsonNode services = compose().path("services");
    JsonNode registry = services.path("registry");
    assertThat(registry.path("environment").path("REGISTRY_RULES_GLOBAL_COMPATIBILITY").asText())
        .isEqualTo("BACKWARD");
    assertThat(registry.path("healthcheck").path("test").toString()).contains("/health/ready");
    // The serde and the server from the same Apicurio line (the 2.x serde speaks the v2 API).
    assertThat(registry.path("image").asText()).startsWith("apicurio/apicurio-registry").contains(":2.6.");
    String containerPort = registry.path("ports").get(0).asText().split(":")[2];
    for (String stage : stages()) {
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
  void theQueryCacheIsRedisWithThePasswordRedisRequires() throws IOException {
    JsonNode services = compose().path("services");
    Map<String, String> env = environment(services.path("query"));
    // the stages' own parser: RAGSTREAM_QUERY_CACHE=redis://... (as this file once said) is refused there
    QueryCacheSettings cache = QueryCacheSettings.fromEnvironment(env);
    assertThat(cache.kind()).isEqualTo(QueryCacheSettings.Kind.REDIS);
    URI uri = URI.create(cache.redisUri());
    assertThat(uri.getHost()).isEqualTo("redis");
    assertThat(services.has(uri.getHost())).isTrue();
    String rawUri = services.path("query").path("environment").path("RAGSTREAM_REDIS_URI").asText();
    String redisPassword = services.path("redis").path("environment").path("REDIS_PASSWORD").asText();
    assertThat(redisPassword).startsWith("${").contains(":?");
    assertThat(rawUri).startsWith("redis://default:" + redisPassword + "@redis:");
    assertThat(services.path("redis").path("command").toString()).contains("requirepass");
    assertThat(services.path("query").path("depends_on").path("redis").path("condition").asText())
        .isEqualTo("service_healthy");
  }

  @Test
  void elasticsearchHasSecurityOnAndTheStoreStagesLogInAsTheUserTheSetupCreates() throws IOException {
    JsonNode services = compose().path("services");
    JsonNode elastic = services.path("elasticsearch");
    assertThat(elastic.path("environment").path("xpack.security.enabled").asText()).isEqualTo("true");
    assertThat(elastic.path("environment").path("ELASTIC_PASSWORD").asText()).startsWith("${").contains(":?");
    JsonNode setup = services.path("elasticsearch-setup");
    for (String stage : List.of("indexer", "query")) {
      JsonNode service = services.path(stage);
      Map<String, String> env = environment(service);
      ElasticSettings settings = StoreOptions.elasticSettings(
          ElasticSettings.local(env.get("RAGSTREAM_ELASTICSEARCH_URL")), env);
      assertThat(settings.username()).as(stage).isNotNull();
      assertThat(setup.path("command").toString()).contains("_security/user/" + settings.username());
      assertThat(setup.path("environment").path("USER_PASSWORD").asText()).isEqualTo(
          service.path("environment").path("RAGSTREAM_ELASTICSEARCH_PASSWORD").asText());
      assertThat(URI.create(settings.url()).getHost()).isEqualTo("elasticsearch");
      assertThat(service.path("depends_on").path("elasticsearch-setup").path("condition").asText()).as(stage)
          .isEqualTo("service_completed_successfully");
      assertThat(setup.path("command").toString()).as("the role covers the store's indices")
          .contains("\\\"" + ElasticSettings.DEFAULT_ALIAS.substring(0, ElasticSettings.DEFAULT_ALIAS.indexOf('-') + 1)
              + "*\\\"");
    }
    for (String stage : stages()) {
      if (!List.of("indexer", "query").contains(stage)) {
        assertThat(environment(services.path(stage))).as(stage + " holds no store secret")
            .doesNotContainKey("RAGSTREAM_ELASTICSEARCH_PASSWORD");
      }
    }
  }

  @Test
  void everyRagstreamVariableTheManifestsSetIsOneTheCodeReads() throws IOException {
    Set<String> read = variablesTheCodeReads();
    assertThat(read).as("the scan finds the code's variables").contains(SerdeSettings.REGISTRY_URL_ENV,
        "RAGSTREAM_QUERY_CACHE", "RAGSTREAM_STORE");
    Map<String, String> set = new LinkedHashMap<>();
    JsonNode services = compose().path("services");
    for (String stage : stages()) {
      environment(services.path(stage)).keySet().forEach(k -> set.put(k, "compose " + stage));
    }
    for (JsonNode doc : k8s()) {
      String where = "k8s " + doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText();
      doc.path("data").fieldNames().forEachRemaining(k -> set.put(k, where));
      doc.path("stringData").fieldNames().forEachRemaining(k -> set.put(k, where));
      for (JsonNode c : containers(doc)) {
        c.path("env").forEach(e -> set.put(e.path("name").asText(), where));
      }
    }
    set.forEach((name, where) -> {
      if (name.startsWith("RAGSTREAM_")) {
        assertThat(read).as(name + " set in " + where + " is read by no code").contains(name);
      }
    });
  }

  // ---------------------------------------------------------------- deploy/k8s

  @Test
  void everyStageIsAWorkloadProbedOnReadyAndHealthAtItsPort() throws IOException {
    List<JsonNode> docs = k8s();
    List<JsonNode> workloads = workloads(docs);
    assertThat(workloads).extracting(d -> d.path("metadata").path("name").asText())
        .containsExactlyInAnyOrderElementsOf(stages().stream().map(s -> "ragstream-" + s).toList());
    for (JsonNode d : workloads) {
      String name = d.path("metadata").path("name").asText();
      JsonNode selector = d.path("spec").path("selector").path("matchLabels");
      JsonNode labels = d.path("spec").path("template").path("metadata").path("labels");
      selector.properties().forEach(e -> assertThat(labels.path(e.getKey())).isEqualTo(e.getValue()));
      for (JsonNode c : containers(d)) {
        List<String> args = strings(c.path("args"));
        assertThat(args.subList(0, 2)).containsExactly("stage", name.substring("ragstream-".length()));
        int port = Integer.parseInt(option(args, "--port"));
        assertThat(option(args, "--replication")).as(name).isEqualTo("3");
        assertThat(option(args, "--topic-prefix")).isNull();
        assertThat(containerPort(c, c.path("readinessProbe").path("httpGet").path("port"))).as(name).isEqualTo(port);
        assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/ready");
        assertThat(containerPort(c, c.path("livenessProbe").path("httpGet").path("port"))).as(name).isEqualTo(port);
        assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).as(name).isEqualTo("/health");
        assertThat(c.path("envFrom").toString()).contains("ragstream-config");
        // every $(VAR) in the args is defined for the container, else Kubernetes passes it on literally
        Set<String> defined = new TreeSet<>();
        c.path("env").forEach(e -> defined.add(e.path("name").asText()));
        configMap(docs).path("data").fieldNames().forEachRemaining(defined::add);
        for (String arg : args) {
          Matcher m = K8S_REFERENCE.matcher(arg);
          while (m.find()) {
            assertThat(defined).as(name + " " + arg).contains(m.group(1));
          }
        }
        // Prometheus finds the pod at the same port (annotations; monitoring.yaml's PodMonitor by port name)
        JsonNode annotations = d.path("spec").path("template").path("metadata").path("annotations");
        assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
        assertThat(annotations.path("prometheus.io/port").asText()).isEqualTo(Integer.toString(port));
        assertThat(portNamed(c, podMonitor(docs).path("spec").path("podMetricsEndpoints").get(0).path("port")
            .asText())).as(name + " port named for the PodMonitor").isEqualTo(port);
        assertThat(labels.path("app.kubernetes.io/part-of").asText()).isEqualTo(podMonitor(docs).path("spec")
            .path("selector").path("matchLabels").path("app.kubernetes.io/part-of").asText());
      }
    }
    for (JsonNode service : ofKind(docs, "Service")) {
      JsonNode selector = service.path("spec").path("selector");
      assertThat(workloads).anySatisfy(d -> selector.properties().forEach(e -> assertThat(
          d.path("spec").path("template").path("metadata").path("labels").path(e.getKey())).isEqualTo(e.getValue())));
    }
    assertThat(ofKind(docs, "ConfigMap")).hasSize(1);
    assertThat(ofKind(docs, "Secret")).hasSize(1);
  }

  @Test
  void theChunkerIsAStatefulSetWithAVolumeAndANameOfItsOwnPerPod() throws IOException {
    List<JsonNode> docs = k8s();
    JsonNode chunker = workloads(docs).stream().filter(d -> d.path("metadata").path("name").asText()
        .equals("ragstream-chunker")).findFirst().orElseThrow();
    assertThat(chunker.path("kind").asText()).isEqualTo("StatefulSet");
    JsonNode container = containers(chunker).getFirst();
    List<String> args = strings(container.path("args"));
    String dataDir = option(args, "--data-dir");
    assertThat(option(args, "--instance")).isEqualTo("$(POD_NAME)");
    Set<String> claims = new TreeSet<>();
    chunker.path("spec").path("volumeClaimTemplates").forEach(t -> claims.add(t.path("metadata").path("name")
        .asText()));
    assertThat(container.path("volumeMounts")).anySatisfy(m -> {
      assertThat(claims).contains(m.path("name").asText());
      assertThat(dataDir).startsWith(m.path("mountPath").asText());
    });
    String serviceName = chunker.path("spec").path("serviceName").asText();
    assertThat(ofKind(docs, "Service")).anySatisfy(s -> {
      assertThat(s.path("metadata").path("name").asText()).isEqualTo(serviceName);
      assertThat(s.path("spec").path("clusterIP").asText()).isEqualTo("None");
    });
  }

  @Test
  void theQueryCacheAndStoreSettingsParseAsTheStagesParseThem() throws IOException {
    List<JsonNode> docs = k8s();
    Map<String, String> env = new HashMap<>();
    configMap(docs).path("data").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    ofKind(docs, "Secret").getFirst().path("stringData").properties()
        .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
    QueryCacheSettings cache = QueryCacheSettings.fromEnvironment(env);
    assertThat(cache.kind()).isEqualTo(QueryCacheSettings.Kind.REDIS);
    assertThat(URI.create(cache.redisUri()).getUserInfo()).as("Redis with a password").contains(":");
    assertThat(storeChoice(env.get("RAGSTREAM_STORE"))).isEqualTo(StoreOptions.QDRANT_ELASTICSEARCH);
    assertThat(StoreOptions.elasticSettings(ElasticSettings.local(env.get("RAGSTREAM_ELASTICSEARCH_URL")), env)
        .apiKey()).isNotNull();
    for (JsonNode d : workloads(docs)) {
      String stage = d.path("metadata").path("name").asText().substring("ragstream-".length());
      boolean usesStores = List.of("indexer", "query").contains(stage);
      assertThat(containers(d).getFirst().path("envFrom").toString().contains("ragstream-credentials"))
          .as(stage + " mounts the credentials only if it uses a store").isEqualTo(usesStores);
    }
  }

  @Test
  void scalingNamesTheGroupsTheStagesUseAndAnIndexerMetricThatOutlivesAGenerationSwap() throws IOException {
    List<JsonNode> docs = k8s();
    JsonNode hpa = ofKind(docs, "HorizontalPodAutoscaler").getFirst();
    assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo("ragstream-query");
    assertThat(hpa.path("spec").path("metrics").get(0).path("resource").path("name").asText()).isEqualTo("cpu");
    Map<String, JsonNode> workloads = new HashMap<>();
    workloads(docs).forEach(d -> workloads.put(d.path("metadata").path("name").asText(), d));
    String indexerLag = prometheusName(IndexerWorker.LAG_METER);
    Set<String> scaled = new TreeSet<>();
    for (JsonNode s : ofKind(docs, "ScaledObject")) {
      String target = s.path("spec").path("scaleTargetRef").path("name").asText();
      assertThat(workloads).containsKey(target);
      String stage = target.substring("ragstream-".length());
      scaled.add(stage);
      JsonNode trigger = s.path("spec").path("triggers").get(0);
      JsonNode metadata = trigger.path("metadata");
      switch (trigger.path("type").asText()) {
        case "kafka" -> {
          // TransactionalStage's group: the same for every replica and every generation
          assertThat(metadata.path("consumerGroup").asText()).as(stage)
              .isEqualTo(TransactionalStage.group(Topics.DEFAULT_PREFIX, stage));
          assertThat(INPUT_TOPICS).as(stage + " consumes one known topic").containsKey(stage);
          assertThat(metadata.path("topic").asText()).isEqualTo(INPUT_TOPICS.get(stage).name(Topics.DEFAULT_PREFIX));
          assertThat(metadata.path("bootstrapServers").asText())
              .isEqualTo(configMap(docs).path("data").path("KAFKA_BOOTSTRAP_SERVERS").asText());
        }
        case "prometheus" -> {
          assertThat(stage).isEqualTo("indexer");
          // by store, whichever the ConfigMap selects: one worker per store, each with its own backlog
          assertThat(metadata.path("query").asText()).contains(indexerLag).contains("by (store)");
          assertThat(Integer.parseInt(metadata.path("threshold").asText())).isPositive();
        }
        default -> throw new AssertionError("unexpected trigger " + trigger);
      }
      // a group of one generation would be wrong after the next replay swap
      assertThat(trigger.toString()).doesNotContain(IndexerWorker.group(Topics.DEFAULT_PREFIX, "", "")
          .replaceAll("-+$", ""));
    }
    assertThat(scaled).containsExactlyInAnyOrder("extract", EmbedderWorker.STAGE, "indexer");
    assertThat(stages()).contains(StatusTracker.STAGE);
  }

  // ---------------------------------------------------------------- helpers

  /** The stages {@code ragstream stage} runs, as its STAGE parameter documents them. */
  private static List<String> stages() {
    CommandLine stage = new CommandLine(new Ragstream()).getSubcommands().get("stage");
    String description = String.join(" ", stage.getCommandSpec().positionalParameters().getFirst().description());
    List<String> names = Arrays.stream(description.split("\\|")).map(String::strip).toList();
    assertThat(names).as("stage names from: " + description).allMatch(n -> n.matches("[a-z]+")).hasSizeGreaterThan(5);
    return names;
  }

  /**
   * Every {@code RAGSTREAM_*} name that main code spells as a string: in a literal ({@code "RAGSTREAM_STORE"}) or a
   * picocli default ({@code ${env:RAGSTREAM_STORE:-lucene}}).
   */
  private static Set<String> variablesTheCodeReads() throws IOException {
    Pattern name = Pattern.compile("(?:\"|env:)(RAGSTREAM_[A-Z0-9_]*[A-Z0-9])\\b");
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> p.toString().contains("/src/main/java/")).toList()) {
        Matcher m = name.matcher(Files.readString(file));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  /** A meter's name as Prometheus scrapes it, from a real Prometheus registry. */
  private static String prometheusName(String meter) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gauge.builder(meter, () -> 1).tag("store", "any").register(registry);
    String scrape = registry.scrape();
    return scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> l.substring(0, l.indexOf('{')))
        .findFirst().orElseThrow();
  }

  private static String storeChoice(String value) {
    @CommandLine.Command(name = "t")
    class Holder {
      @CommandLine.Mixin StoreOptions stores = new StoreOptions();
    }
    Holder holder = new Holder();
    new CommandLine(holder).parseArgs("--store", value);
    return holder.stores.choice();
  }

  private static JsonNode compose() throws IOException {
    // SnakeYAML, not Jackson, for the compose file: it resolves the `<<: *stage` merge keys as compose does.
    Object compose = new org.yaml.snakeyaml.Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    return YAML.valueToTree(compose);
  }

  /** A service's environment with compose's interpolation done: defaults taken, required values made up. */
  private static Map<String, String> environment(JsonNode service) {
    Map<String, String> env = new LinkedHashMap<>();
    service.path("environment").properties().forEach(e -> env.put(e.getKey(), interpolate(e.getValue().asText())));
    return env;
  }

  private static String interpolate(String value) {
    Matcher m = INTERPOLATION.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = "-".equals(m.group(2)) ? m.group(3) : "secret-" + m.group(1).toLowerCase();
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static List<String> args(JsonNode service) {
    return strings(service.path("command"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String option(List<String> args, String name) {
    int i = args.indexOf(name);
    return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
  }

  private static List<String> names(JsonNode object) {
    List<String> out = new ArrayList<>();
    object.fieldNames().forEachRemaining(out::add);
    return out;
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

  private static List<JsonNode> workloads(List<JsonNode> docs) {
    return Stream.concat(ofKind(docs, "Deployment").stream(), ofKind(docs, "StatefulSet").stream()).toList();
  }

  private static List<JsonNode> containers(JsonNode workload) {
    List<JsonNode> out = new ArrayList<>();
    workload.path("spec").path("template").path("spec").path("containers").forEach(out::add);
    return out;
  }

  private static JsonNode configMap(List<JsonNode> docs) {
    return ofKind(docs, "ConfigMap").getFirst();
  }

  private static JsonNode podMonitor(List<JsonNode> docs) {
    return ofKind(docs, "PodMonitor").getFirst();
  }

  /** A probe's port: a number, or the name of one of the container's ports. */
  private static int containerPort(JsonNode container, JsonNode port) {
    return port.isInt() ? port.asInt() : portNamed(container, port.asText());
  }

  private static int portNamed(JsonNode container, String name) {
    List<Integer> ports = new ArrayList<>();
    container.path("ports").forEach(p -> {
      if (p.path("name").asText().equals(name)) {
        ports.add(p.path("containerPort").asInt());
      }
    });
    assertThat(ports).as("port named " + name).hasSize(1);
    return ports.getFirst();
  }
}
