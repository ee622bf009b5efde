package io.ragstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.chunker.ChunkerApp;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.generation.LuceneWriters;
import io.ragstream.ingest.extract.ExtractLimits;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.FolderWatch;
import io.ragstream.ingest.source.IngestHttpServer;
import io.ragstream.query.QueryHttpServer;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchService;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.KafkaClientOverrides;
import io.ragstream.runtime.stage.StageHandle;
import java.util.Map;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.lag.ConsumerLagReader;
import io.ragstream.runtime.lag.LagSnapshot;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code ragstream} command. */
@Command(name = "ragstream", mixinStandardHelpOptions = true, version = "ragstream 0.1.0",
    description = "Event-driven ingestion and indexing pipeline for retrieval-augmented generation.",
    subcommands = {Ragstream.Up.class, Ragstream.Publish.class, Ragstream.Delete.class, Ragstream.Search.class,
        Ragstream.Status.class, Ragstream.Lag.class, Ragstream.Stage.class, ConfigCommand.class, DemoCommand.class,
        DlqCommand.class, GenerationCommands.Replay.class,
        GenerationCommands.Generations.class, io.ragstream.launcher.cluster.ClusterCommand.class,
        SourceCommands.class, SourceCommands.Cdc.class})
public final class Ragstream {

  public static void main(String[] args) {
    int code = commandLine()
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("ragstream " + cmd.getCommandName() + ": " + e.getMessage());
          return 1;
        })
        .execute(args);
    System.exit(code);
  }

  /**
   * The command line with {@code --help}/{@code -h} and {@code --version} on every command and subcommand, and
   * {@code help [COMMAND]} on every command that has subcommands ({@code ragstream help up},
   * {@code ragstream bench help query}).
   */
  static CommandLine commandLine() {
    CommandLine root = new CommandLine(new Ragstream());
    // `bench` and `eval` live in the benchmarks module, on the classpath of ./ragstream but not of the production
    // images: they join the command line here when present, under the same names.
    for (CommandProvider provider : java.util.ServiceLoader.load(CommandProvider.class)) {
      for (Object command : provider.commands()) {
        root.addSubcommand(command);
      }
    }
    addHelp(root);
    return root;
  }

  private static void addHelp(CommandLine command) {
    if (!command.getCommandSpec().mixinStandardHelpOptions()) {
      command.getCommandSpec().mixinStandardHelpOptions(true);
    }
    if (command.getCommandSpec().version().length == 0) {
      command.getCommandSpec().version("ragstream 0.1.0");
    }
    if (command.getSubcommands().isEmpty() || command.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
      return;
    }
    for (CommandLine sub : new java.util.ArrayList<>(command.getSubcommands().values())) {
      addHelp(sub);
    }
    if (!command.getSubcommands().containsKey("help")) {
      command.addSubcommand("help", new CommandLine.HelpCommand());
    }
  }

  static class KafkaOptions {
    @Option(names = "--bootstrap", defaultValue = "${env:RAGSTREAM_BOOTSTRAP:-127.0.0.1:9092}",
        description = "Kafka bootstrap servers (env RAGSTREAM_BOOTSTRAP; default 127.0.0.1:9092)")
    String bootstrap;

    @Option(names = "--topic-prefix", defaultValue = "${env:RAGSTREAM_TOPIC_PREFIX:-" + Topics.DEFAULT_PREFIX + "}",
        description = "topic name prefix (env RAGSTREAM_TOPIC_PREFIX)")
    String prefix;

    @Option(names = "--kafka-config", paramLabel = "FILE", defaultValue = "${env:RAGSTREAM_KAFKA_CONFIG_FILE}",
        description = "Kafka client properties (security.protocol, sasl.*, ssl.*) for every client (env"
            + " RAGSTREAM_KAFKA_CONFIG_FILE); RAGSTREAM_KAFKA_<PROPERTY> variables override single properties")
    Path kafkaConfig;

    @CommandLine.Mixin SerdeOptions serdes = new SerdeOptions();

    KafkaSettings settings() {
      return new KafkaSettings(bootstrap, prefix, KafkaClientOverrides.load(kafkaConfig, System.getenv()))
          .withSerdes(serdes.settings());
    }
  }

  /**
   * How record values are encoded: single-object encoding unless a schema registry URL is given (see
   * {@link SerdeSettings}). Every process of a stack must use the same setting; readers in registry mode also read
   * single-object records, so a stack can switch to the registry without emptying its topics.
   */
  static class SerdeOptions {
    @Option(names = "--schema-registry-url", defaultValue = "${env:" + SerdeSettings.REGISTRY_URL_ENV + ":-}",
        description = "Apicurio Registry v2 API (e.g. http://registry:8080/apis/registry/v2): values in the"
            + " Confluent wire format, subjects <topic>-value (env " + SerdeSettings.REGISTRY_URL_ENV
            + "; unset: Avro single-object encoding, no registry)")
    String registryUrl;

    @Option(names = "--schema-registry-auto-register",
        defaultValue = "${env:" + SerdeSettings.AUTO_REGISTER_ENV + ":-}",
        description = "true (default): writers register their schema if the registry lacks it; false: use the"
            + " latest registered version (env " + SerdeSettings.AUTO_REGISTER_ENV + ")")
    String autoRegister;

    SerdeSettings settings() {
      return SerdeSettings.of(registryUrl, autoRegister);
    }
  }

  @Command(name = "up", description = "Run everything in one JVM: Kafka (KRaft), all stages, Lucene, HTTP.")
  static final class Up implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "data", description = "state directory (default: ./data)")
    Path dataDir;

    @Option(names = "--http-port", defaultValue = "8080") int httpPort;

    @Option(names = "--ingest-port", defaultValue = "8081") int ingestPort;

    @Option(names = "--kafka-port", defaultValue = "9092") int kafkaPort;

    @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "embedding model id")
    String model;

    @CommandLine.Mixin SerdeOptions serdes = new SerdeOptions();

    @Override
    public Integer call() throws Exception {
      StackConfig config = new StackConfig(dataDir, kafkaPort, httpPort, ingestPort, model,
          StackConfig.DEFAULT_MAX_UPLOAD_BYTES, Topics.DEFAULT_PREFIX, "g1", serdes.settings());
      EmbeddedStack stack = EmbeddedStack.start(config, Metrics.registry());
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        System.out.println("ragstream stopping");
        stack.close();
        stopped.countDown();
      }, "ragstream-shutdown"));
      System.out.printf("ragstream ready: query http://localhost:%d/v1/search, ingest http://localhost:%d/v1/documents,"
          + " kafka %s, data %s%n", stack.httpPort(), stack.ingestPort(), stack.bootstrapServers(),
          dataDir.toAbsolutePath());
      stopped.await();
      return 0;
    }
  }

  @Command(name = "publish", description = "Publish files (directories recursively) to the ingest topic; with"
      + " --watch, keep following a folder: new and changed files are re-published, removed files deleted.")
  static final class Publish implements Callable<Integer> {
    @CommandLine.Mixin KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--tenant", defaultValue = "default") String tenant;

    @Option(names = "--id", description = "docId for a single file (default: its absolute path)") String id;

    @Option(names = "--watch", paramLabel = "DIR", description = "publish DIR, then follow it until interrupted"
        + " (docs/OPERATIONS.md: state, debounce, restarts)") Path watch;

    @Option(names = "--ignore", paramLabel = "GLOB", description = "with --watch: skip files whose relative path or"
        + " name matches (repeatable), e.g. '*.tmp' or 'build/**'") List<String> ignore = new java.util.ArrayList<>();

    @Option(names = "--hidden", description = "with --watch: also publish hidden files (names starting with a dot)")
    boolean hidden;

    @Option(names = "--interval-ms", defaultValue = "1000", description = "with --watch: time between scans, and"
        + " how long a file must hold still before it is published (default: ${DEFAULT-VALUE})") long intervalMs;

    @Option(names = "--state", paramLabel = "FILE", description = "with --watch: where the published state is kept"
        + " (default: DIR/.ragstream-watch.json)") Path stateFile;

    @CommandLine.Mixin SourceCommands.MetricsOptions metrics = new SourceCommands.MetricsOptions();

    @Parameters(arity = "0..*", paramLabel = "PATH") List<Path> paths = new java.util.ArrayList<>();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "metadata on every file's chunks, searchable"
        + " with filter.KEY=VALUE (repeatable)") Map<String, String> meta = new java.util.LinkedHashMap<>();

    @Option(names = "--acl", paramLabel = "PRINCIPAL", split = ",", description = "principals allowed to see the"
        + " documents, e.g. group:eng or user:ann (repeatable or comma-separated; default: the whole tenant)")
    List<String> acl = new java.util.ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (watch != null) {
        if (!paths.isEmpty() || id != null) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--watch DIR takes no PATH and no --id");
        }
        return watchFolder();
      }
      if (paths.isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give a PATH to publish, or --watch DIR");
      }
      try (DocumentPublisher publisher = new DocumentPublisher(kafka.settings(), "ragstream-cli")) {
        for (DocumentPublisher.Published p : publisher.publishPaths(paths, tenant, id, meta, acl)) {
          System.out.println("published " + p.docId());
        }
      }
      return 0;
    }

    private int watchFolder() throws Exception {
      FolderWatch.Settings settings;
      try {
        settings = new FolderWatch.Settings(watch, tenant, ignore, hidden, Duration.ofMillis(intervalMs), stateFile);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--watch " + watch + ": " + e.getMessage());
      }
      try (DocumentPublisher publisher = new DocumentPublisher(kafka.settings(), "ragstream-watch")) {
        FolderWatch folder = new FolderWatch(settings, FolderWatch.Target.of(publisher), System.out::println);
        Thread scanning = Thread.ofPlatform().name("ragstream-watch").start(folder);
        Runtime.getRuntime().addShutdownHook(new Thread(folder::close, "ragstream-watch-stop"));
        try (io.ragstream.runtime.stage.StageHttpServer server = metrics.start(spec, scanning)) {
          System.out.println("watching " + settings.root() + " (state " + settings.stateFile() + ")");
          scanning.join();
        }
      }
      return 0;
    }
  }

  @Command(name = "delete", description = "Publish deletes of documents.")
  static final class Delete implements Callable<Integer> {
    @CommandLine.Mixin KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--tenant", defaultValue = "default") String tenant;

    @Parameters(arity = "1..*", paramLabel = "DOCID") List<String> docIds;

    @Override
    public Integer call() {
      try (DocumentPublisher publisher = new DocumentPublisher(kafka.settings(), "ragstream-cli")) {
        publisher.delete(docIds, tenant).forEach(p -> System.out.println("deleted " + p.docId()));
      }
      return 0;
    }
  }

  @Command(name = "search", description = "Search over HTTP and print ranked results.")
  static final class Search implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://localhost:8080") String url;

    @Option(names = "--k", defaultValue = "10") int k;

    @Option(names = "--mode", defaultValue = "hybrid", description = "hybrid | vector | keyword") String mode;

    @Option(names = "--tenant", defaultValue = "default") String tenant;

    @Parameters(arity = "1..*", paramLabel = "QUERY") List<String> words;

    @Override
    public Integer call() throws Exception {
      String query = String.join(" ", words);
      JsonNode body = get(url + "/v1/search?q=" + enc(query) + "&k=" + k + "&mode=" + enc(mode) + "&tenant="
          + enc(tenant));
      int rank = 1;
      for (JsonNode result : body.path("results")) {
        String text = result.path("text").asText().replaceAll("\\s+", " ");
        System.out.printf("%2d. %.4f  %s%n    %s%n", rank++, result.path("score").asDouble(),
            result.path("docId").asText(), text.length() > 160 ? text.substring(0, 160) + "…" : text);
      }
      System.out.printf("(%d results in %d ms)%n", rank - 1, body.path("tookMs").asLong());
      return 0;
    }
  }

  @Command(name = "status", description = "Where a document is: each pipeline step with its time, and its chunks in"
      + " the index.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://localhost:8080") String url;

    @Option(names = "--tenant", defaultValue = "default") String tenant;

    @Option(names = "--json", description = "print the raw JSON answer of GET /v1/documents/{docId}") boolean json;

    @Parameters(paramLabel = "DOCID") String docId;

    @Override
    public Integer call() throws Exception {
      JsonNode body = get(url + "/v1/documents/" + enc(docId) + "?tenant=" + enc(tenant));
      System.out.print(json ? HttpJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n"
          : DocumentReport.format(body));
      return 0;
    }
  }

  @Command(name = "lag", description = "Consumer lag per stage, topic and partition, with the consumption rate and the"
      + " estimated time to drain. Exits 3 when an expected stage has no consumer group.")
  static final class Lag implements Callable<Integer> {
    @CommandLine.Mixin KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--watch", description = "print again every interval until interrupted") boolean watch;

    @Option(names = "--interval-ms", defaultValue = "2000", description = "time between the two samples a rate is"
        + " computed from (default: ${DEFAULT-VALUE})") long intervalMs;

    @Option(names = "--expect", split = ",", defaultValue = "extract,chunker,embedder,indexer,status",
        description = "stages whose group must exist (default: ${DEFAULT-VALUE}); --expect= for none")
    List<String> expect;

    @Override
    public Integer call() throws Exception {
      String prefix = kafka.settings().topicPrefix();
      List<String> expected = expect.stream().filter(e -> !e.isBlank()).toList();
      try (Admin admin = Admin.create(kafka.settings().admin())) {
        LagSnapshot previous = ConsumerLagReader.read(admin, prefix);
        while (true) {
          Thread.sleep(intervalMs);
          LagSnapshot now = ConsumerLagReader.read(admin, prefix);
          if (watch) {
            System.out.println("--- " + now.at());
          }
          ConsumerLag.print(System.out, now, previous);
          List<String> missing = ConsumerLag.missing(now, prefix, expected);
          if (!missing.isEmpty()) {
            System.err.println("no consumer group for stage(s): " + String.join(", ", missing)
                + " (is the stage running against " + kafka.bootstrap + "?)");
          }
          if (!watch) {
            return missing.isEmpty() ? 0 : 3;
          }
          previous = now;
        }
      }
    }
  }

  @Command(name = "stage", description = "Run one stage as its own process against an external Kafka: serves"
      + " /health, /ready and /metrics, prints 'ragstream stage NAME ready on port P', exits 70 when the stage fails"
      + " (a supervisor restarts it) and 0 on SIGTERM.")
  static final class Stage implements Callable<Integer> {
    @Parameters(paramLabel = "STAGE", description = "extract | chunker | embedder | indexer | status | query | ingest")
    String stage;

    @CommandLine.Mixin StageOptions options = new StageOptions();

    @Override
    public Integer call() throws Exception {
      if (!StageCatalog.NAMES.contains(stage)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown stage '" + stage + "': "
            + String.join(", ", StageCatalog.NAMES));
      }
      Map<String, String> env = System.getenv();
      StageCatalog.rejectUnknownVariables(env);
      io.ragstream.runtime.config.Settings settings = StageCatalog.resolve(stage, options.flags(stage), env);
      KafkaSettings kafka = CommonSettings.kafka(settings, env);
      System.err.println("ragstream stage " + stage + ": " + kafka); // secrets hidden
      // ingest declares no replication (it creates no changelogs): its topics get the default, as before
      short replication = settings.values().stream().anyMatch(v -> v.setting().equals(CommonSettings.REPLICATION))
          ? (short) settings.integer(CommonSettings.REPLICATION) : 1;
      TopicAdmin.ensureTopics(kafka, replication, Topics.ALL, Duration.ofSeconds(60));
      MeterRegistry metrics = Metrics.registry();
      StageHandle handle = StageCatalog.start(stage, settings, env, kafka, metrics, options.stores);
      int port = settings.integer(settings.values().stream().map(v -> v.setting())
          .filter(s -> s.key().equals(stage + ".port")).findFirst().orElseThrow());
      return StageProcess.run(handle, port, metrics);
    }

    /** The Kafka settings this command line and {@code env} give the stage. */
    KafkaSettings kafka(Map<String, String> env) {
      return CommonSettings.kafka(StageCatalog.resolve(stage, options.flags(stage), env), env);
    }
  }

  private static JsonNode get(String url) throws IOException, InterruptedException {
    try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body = HttpJson.mapper().readTree(response.body());
      if (response.statusCode() >= 400) {
        throw new IOException("HTTP " + response.statusCode() + " from " + url + ": " + body.path("error").asText());
      }
      return body;
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
