package io.ragstream.launcher.cluster;

import io.ragstream.embedding.EmbeddingModels;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.launcher.cluster.ManagedProcess.Role;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.Topics;
import io.ragstream.servers.FreePorts;
import io.ragstream.servers.JavaCommand;
import io.ragstream.servers.KafkaBroker;
import io.ragstream.servers.PrometheusServer;
import io.ragstream.servers.RedisServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ragstream cluster up}: starts, as separate OS processes under one {@link Supervisor}, a KRaft Kafka cluster,
 * Elasticsearch (when the store uses it), Redis (the query replicas' shared cache), Prometheus (when installed) and
 * every stage as {@code ragstream stage NAME} with its replicas; prints {@code ragstream cluster ready: ...} once a
 * query answers on every query replica, and stays in the foreground until SIGINT/SIGTERM, then stops everything in
 * order.
 *
 * <p>Layout under {@code --data-dir}: {@code cluster.json} (the state {@code ps}, {@code kill} and {@code down}
 * read), {@code ports.json} (ports chosen on the first start and kept, so brokers find their quorum again),
 * {@code logs/NAME.log}, one directory per server ({@code kafka-N}, {@code elasticsearch-0}, {@code redis-0},
 * {@code prometheus-0}) and {@code stages/NAME} per stage replica.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
    description = "Start the cluster and supervise it in the foreground; Ctrl-C stops everything in order.")
final class ClusterUp implements Callable<Integer> {
  static final String LUCENE = "lucene";
  static final String ELASTICSEARCH = "elasticsearch";
  static final String QDRANT_ELASTICSEARCH = "qdrant+elasticsearch";
  static final Duration SERVERS_READY = Duration.ofMinutes(3);
  static final Duration STAGES_READY = Duration.ofMinutes(10);
  static final String MAIN_CLASS = "io.ragstream.launcher.Ragstream";

  @Spec CommandSpec spec;

  @Option(names = "--data-dir", required = true, description = "everything the cluster writes: state, logs, data")
  Path dataDir;

  @Option(names = "--store", defaultValue = ELASTICSEARCH,
      description = "elasticsearch (default: keywords and vectors in Elasticsearch) | lucene (one indexer, the"
          + " query replicas read its index) | qdrant+elasticsearch (needs --qdrant-url)")
  String store;

  @Option(names = "--brokers", defaultValue = "3",
      description = "Kafka brokers (default 3: replication 3, min.insync.replicas 2; fewer than 3: 1 and 1)")
  int brokers;

  @Option(names = "--replicas", description = "processes per stage, e.g. embedder=2,query=2 (default 1 each)")
  String replicas;

  @Option(names = "--qdrant-url", description = "Qdrant's gRPC endpoint for --store qdrant+elasticsearch,"
      + " e.g. http://localhost:6334 (Qdrant is not started: it has no distribution to run without Docker)")
  URI qdrantUrl;

  @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "embedding model id")
  String model;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX) String prefix;

  @Option(names = "--redis-server", defaultValue = RedisServer.DEFAULT_EXECUTABLE,
      description = "the redis-server binary (default: from PATH)")
  String redisExecutable;

  @Option(names = "--prometheus", defaultValue = PrometheusServer.DEFAULT_EXECUTABLE,
      description = "the prometheus binary (default: from PATH; not started when absent)")
  String prometheusExecutable;

  private PrintStream out;

  @Override
  public Integer call() throws Exception {
    out = System.out;
    Path dir = dataDir.toAbsolutePath().normalize();
    Replicas counts = validate(dir);
    Ports ports = Ports.load(dir);
    JavaCommand java = JavaCommand.current();
    Supervisor supervisor = new Supervisor(dir, out);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      out.println("ragstream cluster stopping: stages, then servers, then brokers");
      supervisor.close();
      out.println("ragstream cluster stopped");
      stopped.countDown();
    }, "ragstream-cluster-shutdown"));
    try {
      Started started = start(dir, counts, ports, java, supervisor);
      supervisor.markReady();
      out.println(started.readyLine(dir));
    } catch (InterruptedException e) {
      return 130; // a signal arrived while starting: the shutdown hook stops what runs
    } catch (Exception e) {
      out.println("ragstream cluster: " + e.getMessage());
      supervisor.close();
      throw e;
    }
    stopped.await();
    return 0;
  }

  private Replicas validate(Path dir) throws IOException {
    if (!List.of(LUCENE, ELASTICSEARCH, QDRANT_ELASTICSEARCH).contains(store)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--store must be " + ELASTICSEARCH + ", " + LUCENE
          + " or " + QDRANT_ELASTICSEARCH + ", got " + store);
    }
    if (store.equals(QDRANT_ELASTICSEARCH) && qdrantUrl == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--store " + QDRANT_ELASTICSEARCH
          + " needs --qdrant-url (Qdrant is not started by the cluster)");
    }
    if (brokers < 1 || brokers > 9) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--brokers must be 1..9, got " + brokers);
    }
    Replicas counts;
    try {
      counts = Replicas.parse(replicas);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (store.equals(LUCENE) && counts.of("indexer") > 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--store lucene runs one indexer (a Lucene index"
          + " has one writer); use --store elasticsearch to scale indexers");
    }
    if (io.ragstream.servers.Executables.find(redisExecutable).isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), redisExecutable + " not found: install Redis"
          + " (apt-get install redis-server) or pass --redis-server PATH; the query replicas share its cache");
    }
    Optional<ClusterState> previous = ClusterState.read(dir);
    if (previous.isPresent() && previous.get().supervisor().isPresent()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "a cluster already runs from " + dir
          + " (supervisor pid " + previous.get().supervisorPid() + "): `ragstream cluster down --data-dir " + dataDir
          + "` first");
    }
    if (previous.isPresent()) {
      List<String> leftovers = previous.get().processes().stream().filter(e -> e.handle().isPresent())
          .map(e -> e.name() + " (pid " + e.pid() + ")").toList();
      if (!leftovers.isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "processes of an earlier run still live: "
            + String.join(", ", leftovers) + "; `ragstream cluster down --data-dir " + dataDir + "` first");
      }
    }
    return counts;
  }

  /** What runs, for the ready line. */
  private record Started(String bootstrap, Optional<String> elasticsearch, String redis, Optional<String> prometheus,
      List<Integer> queryPorts, List<Integer> ingestPorts) {
    String readyLine(Path dir) {
      StringBuilder line = new StringBuilder("ragstream cluster ready: kafka ").append(bootstrap);
      elasticsearch.ifPresent(url -> line.append("; elasticsearch ").append(url));
      line.append("; redis ").append(redis);
      prometheus.ifPresent(url -> line.append("; prometheus ").append(url));
      line.append("; query ").append(queryPorts.stream().map(p -> "http://127.0.0.1:" + p + "/v1/search")
          .collect(Collectors.joining(" ")));
      line.append("; ingest ").append(ingestPorts.stream().map(p -> "http://127.0.0.1:" + p + "/v1/documents")
          .collect(Collectors.joining(" ")));
      return line.append("; data ").append(dir).toString();
    }
  }

  private Started start(Path dir, Replicas counts, Ports ports, JavaCommand java, Supervisor supervisor)
      throws Exception {
    // 1. Kafka: every node formatted with one cluster id, all started together (a quorum needs a majority).
    String clusterId = clusterId(dir);
    List<Integer> clientPorts = new ArrayList<>();
    List<Integer> controllerPorts = new ArrayList<>();
    for (int i = 0; i < brokers; i++) {
      clientPorts.add(ports.get("kafka-" + i));
      controllerPorts.add(ports.get("kafka-" + i + "-controller"));
    }
    List<String> brokerNames = new ArrayList<>();
    KafkaBroker any = null;
    for (int i = 0; i < brokers; i++) {
      KafkaBroker broker = new KafkaBroker(i, clientPorts, controllerPorts, dir.resolve("kafka-" + i).resolve("data"),
          KafkaSettings.MAX_RECORD_BYTES + 1024 * 1024);
      Path properties = broker.prepare(clusterId);
      int port = broker.clientPort();
      String name = "kafka-" + i;
      brokerNames.add(name);
      supervisor.start(new ManagedProcess(name, Role.BROKER, port,
          () -> broker.processBuilder(java, properties, List.of("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC")),
          (log, offset) -> FreePorts.listening(port), Optional.empty()));
      any = broker;
    }
    String bootstrap = any.bootstrapServers();
    short replication = any.replicationFactor();
    out.println("ragstream cluster: " + brokers + " Kafka broker(s) starting on " + bootstrap);

    // 2. The servers the stages use, started while the brokers form their quorum.
    Optional<String> elasticsearchUrl = Optional.empty();
    List<String> serverNames = new ArrayList<>();
    if (!store.equals(LUCENE)) {
      ClusterElasticsearch es = ClusterElasticsearch.prepare(dir.resolve("elasticsearch-0"),
          ports.get("elasticsearch-0"), ports.get("elasticsearch-0-transport"));
      supervisor.start(new ManagedProcess("elasticsearch-0", Role.SERVICE, es.httpPort(), es::processBuilder,
          (log, offset) -> es.healthy(), Optional.empty()));
      serverNames.add("elasticsearch-0");
      elasticsearchUrl = Optional.of(es.url());
    }
    RedisServer redis = new RedisServer(redisExecutable, ports.get("redis-0"), dir.resolve("redis-0"));
    supervisor.start(new ManagedProcess("redis-0", Role.SERVICE, redis.port(), redis::processBuilder,
        (log, offset) -> RedisServer.ping(redis.port()), Optional.empty()));
    serverNames.add("redis-0");

    // Stage ports are chosen before Prometheus starts: its configuration lists them all.
    List<StageProcess> stages = new ArrayList<>();
    for (String stage : Replicas.STAGES) {
      for (int i = 0; i < counts.of(stage); i++) {
        stages.add(new StageProcess(stage, i, ports.get(stage + "-" + i)));
      }
    }
    Optional<String> prometheusUrl = Optional.empty();
    if (PrometheusServer.installed(prometheusExecutable)) {
      PrometheusServer prometheus = new PrometheusServer(prometheusExecutable, ports.get("prometheus-0"),
          dir.resolve("prometheus-0"), "5s");
      Path config = prometheus.writeConfig(stages.stream()
          .map(s -> new PrometheusServer.Target(s.stage(), s.name(), s.port())).toList());
      supervisor.start(new ManagedProcess("prometheus-0", Role.SERVICE, prometheus.port(),
          () -> prometheus.processBuilder(config), (log, offset) -> httpOk(prometheus.url() + "/-/ready"),
          Optional.of(prometheus.port())));
      serverNames.add("prometheus-0");
      prometheusUrl = Optional.of(prometheus.url());
    } else {
      out.println("ragstream cluster: " + prometheusExecutable + " not found on PATH: no Prometheus (every stage"
          + " still serves /metrics)");
    }

    supervisor.awaitRunning(brokerNames, SERVERS_READY);
    awaitBrokers(bootstrap, brokers, SERVERS_READY);
    // Topics before any stage: each is created once with the cluster's replication (min ISR from the brokers).
    TopicAdmin.ensureTopics(bootstrap, prefix, replication, Topics.ALL, Duration.ofMinutes(2));
    supervisor.awaitRunning(serverNames, SERVERS_READY);
    out.println("ragstream cluster: brokers and servers ready; starting " + stages.size() + " stage processes");

    // 3. The stages, each a `ragstream stage` JVM on this launcher's class path.
    Map<String, String> queryEnv = Map.of("RAGSTREAM_QUERY_CACHE", "redis", "RAGSTREAM_REDIS_URI", redis.uri());
    for (StageProcess s : stages) {
      List<String> args = s.args(dir, bootstrap, replication, store, elasticsearchUrl, qdrantUrl, model, prefix);
      List<String> jvm = s.stage().equals("embedder") || s.stage().equals("query")
          ? List.of("-Xms64m", "-Xmx768m", "-XX:+UseSerialGC") : List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC");
      supervisor.start(new ManagedProcess(s.name(), Role.STAGE, s.port(), () -> {
        Files.createDirectories(s.dataDir(dir, store));
        ProcessBuilder builder = java.builder(jvm, MAIN_CLASS, args);
        if (s.stage().equals("query")) {
          builder.environment().putAll(queryEnv);
        }
        return builder;
      }, (log, offset) -> s.ready(log, offset), Optional.of(s.port())));
    }
    supervisor.awaitRunning(stages.stream().map(StageProcess::name).toList(), STAGES_READY);

    // 4. Ready once a query answers on every query replica.
    List<Integer> queryPorts = stages.stream().filter(s -> s.stage().equals("query")).map(StageProcess::port).toList();
    for (int port : queryPorts) {
      awaitQuery(port, STAGES_READY);
    }
    List<Integer> ingestPorts = stages.stream().filter(s -> s.stage().equals("ingest")).map(StageProcess::port)
        .toList();
    return new Started(bootstrap, elasticsearchUrl, redis.uri(), prometheusUrl, queryPorts, ingestPorts);
  }

  /** One stage replica: {@code ragstream stage STAGE --instance NAME --port P --data-dir DIR/stages/NAME ...}. */
  record StageProcess(String stage, int index, int port) {
    String name() {
      return stage + "-" + index;
    }

    /** Its own directory (Streams state, embedding cache), except Lucene's indexer and readers, which share one. */
    Path dataDir(Path dir, String store) {
      if (store.equals(LUCENE) && (stage.equals("indexer") || stage.equals("query"))) {
        return dir.resolve("stages").resolve("lucene");
      }
      return dir.resolve("stages").resolve(name());
    }

    List<String> args(Path dir, String bootstrap, short replication, String store, Optional<String> elasticsearch,
        URI qdrant, String model, String prefix) {
      List<String> args = new ArrayList<>(List.of("stage", stage, "--bootstrap", bootstrap, "--topic-prefix", prefix,
          "--instance", name(), "--port", Integer.toString(port), "--data-dir", dataDir(dir, store).toString(),
          "--replication", Short.toString(replication), "--model", model, "--store", store));
      elasticsearch.ifPresent(url -> args.addAll(List.of("--elasticsearch-url", url)));
      if (qdrant != null) {
        args.addAll(List.of("--qdrant-host", qdrant.getHost(), "--qdrant-port",
            Integer.toString(qdrant.getPort() > 0 ? qdrant.getPort() : 6334)));
      }
      return args;
    }

    /** The stage prints {@code ragstream stage NAME ready on port P} once it serves (earlier builds: "running"). */
    boolean ready(Path log, long offset) throws IOException {
      if (!Files.exists(log)) {
        return false;
      }
      String text = Supervisor.logSince(log, offset);
      return text.contains("ragstream stage " + stage + " ready on port")
          || text.contains("ragstream stage " + stage + " running against");
    }
  }

  private static String clusterId(Path dir) throws IOException {
    Path file = dir.resolve("kafka-cluster-id");
    if (Files.exists(file)) {
      return Files.readString(file).strip();
    }
    String id = Uuid.randomUuid().toString();
    Files.createDirectories(dir);
    Files.writeString(file, id + "\n");
    return id;
  }

  /** Waits until every broker has registered: topics with replication 3 cannot be created before. */
  private static void awaitBrokers(String bootstrap, int expected, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      while (true) {
        int registered = -1;
        try {
          registered = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
        } catch (Exception e) {
          // not up yet
        }
        if (registered >= expected) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + Math.max(registered, 0) + " of " + expected
              + " Kafka brokers registered after " + timeout.toSeconds() + " s (see logs/kafka-*.log)");
        }
        Thread.sleep(500);
      }
    }
  }

  private static void awaitQuery(int port, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String url = "http://127.0.0.1:" + port + "/v1/search?q=ragstream&k=1";
    while (!httpOk(url)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no answer from " + url + " after " + timeout.toSeconds() + " s");
      }
      Thread.sleep(500);
    }
  }

  static boolean httpOk(String url) {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
      HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The ports of a data directory: chosen once and kept, so brokers find their quorum again after a restart. */
  static final class Ports {
    private final Path file;
    private final Map<String, Integer> ports;

    private Ports(Path file, Map<String, Integer> ports) {
      this.file = file;
      this.ports = ports;
    }

    static Ports load(Path dir) throws IOException {
      Path file = dir.resolve("ports.json");
      Map<String, Integer> ports = new TreeMap<>();
      if (Files.exists(file)) {
        ports.putAll(new ObjectMapper().readValue(file.toFile(), new TypeReference<Map<String, Integer>>() {}));
      }
      return new Ports(file, ports);
    }

    synchronized int get(String name) throws IOException {
      Integer port = ports.get(name);
      if (port == null) {
        do {
          port = FreePorts.allocate();
        } while (ports.containsValue(port));
        ports.put(name, port);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("ports.json.tmp");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), ports);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return port;
    }
  }
}
