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
import io.ragstream.runtime.Metrics;
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
        Ragstream.Status.class, Ragstream.Lag.class, Ragstream.Stage.class, DemoCommand.class,
        DlqCommand.class, EvalCommand.class, BenchCommand.class, GenerationCommands.Replay.class,
        GenerationCommands.Generations.class, SourceCommands.class, SourceCommands.Cdc.class})
public final class Ragstream {

  public static void main(String[] args) {
    int code = new CommandLine(new Ragstream())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          cmd.getErr().println("ragstream " + cmd.getCommandName() + ": " + e.getMessage());
          return 1;
        })
        .execute(args);
    System.exit(code);
  }

  static class KafkaOptions {
    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers")
    String bootstrap;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "topic name prefix")
    String prefix;

    @CommandLine.Mixin SerdeOptions serdes = new SerdeOptions();

    KafkaSettings settings() {
      return new KafkaSettings(bootstrap, prefix).withSerdes(serdes.settings());
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

    @Option(names = "--model", defaultValue = "all-minilm-l6-v2", description = "embedding model id")
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

    @Parameters(arity = "0..*", paramLabel = "PATH") List<Path> paths = new java.util.ArrayList<>();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
        for (DocumentPublisher.Published p : publisher.publishPaths(paths, tenant, id)) {
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
        System.out.println("watching " + settings.root() + " (state " + settings.stateFile() + ")");
        scanning.join();
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

  @Command(name = "stage", description = "Run one stage as its own process against an external Kafka.")
  static final class Stage implements Callable<Integer> {
    @CommandLine.Mixin KafkaOptions kafka = new KafkaOptions();

    @Parameters(paramLabel = "STAGE", description = "extract | chunker | embedder | indexer | status | query | ingest")
    String stage;

    @Option(names = "--data-dir", defaultValue = "data", description = "Streams state / Lucene index location")
    Path dataDir;

    @Option(names = "--instance", description = "worker id, unique per stage and replica (part of its transactional"
        + " id); default: $RAGSTREAM_INSTANCE, else the host name (unique per container), else 0")
    String instanceOption;

    @Option(names = "--port", description = "HTTP port (query: 8080, ingest: 8081)") Integer port;

    @Option(names = "--model", defaultValue = "all-minilm-l6-v2") String model;

    @Option(names = "--replication", defaultValue = "1", description = "replication of topics/changelogs")
    short replication;

    @CommandLine.Mixin StoreOptions stores = new StoreOptions();

    @Option(names = "--generation", defaultValue = "g1", description = "index generation to write and read until"
        + " the first swap (then both follow it: Lucene's CURRENT pointer, the Qdrant and Elasticsearch aliases)")
    String generation;

    @Override
    public Integer call() throws Exception {
      String instance = InstanceIds.resolve(instanceOption, System.getenv());
      KafkaSettings settings = kafka.settings();
      TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), replication, Topics.ALL,
          Duration.ofSeconds(60));
      CountDownLatch stopped = new CountDownLatch(1);
      AutoCloseable running = switch (stage) {
        case "extract" -> thread(Stages.extract(settings, instance, TikaExtractor.isolated(ExtractLimits.DEFAULTS), Metrics.registry()));
        case "chunker" -> {
          EmbeddingModel m = EmbeddingModels.load(model);
          ChunkerApp app = Stages.chunker(settings, dataDir.resolve("streams"), m, replication, Metrics.registry());
          app.start();
          yield app;
        }
        case "embedder" -> thread(Stages.embedder(settings, instance, model, dataDir.resolve("embedding-cache"),
            Metrics.registry()));
        case "indexer" -> {
          if (stores.isLucene()) {
            // Lucene follows the generation pointer, so a replay's swap moves the writes without a restart.
            LuceneWriters writers = new LuceneWriters(new LuceneGenerations(dataDir.resolve("index")));
            ModelReembedder reembedder = new ModelReembedder();
            AutoCloseable worker = thread(Stages.indexer(settings, instance, writers, generation, reembedder,
                Metrics.registry()));
            yield () -> {
              worker.close();
              reembedder.close();
              writers.close();
            };
          }
          // One worker per store: each has its own consumer group, so a slow store never holds back another, and
          // each follows its own alias, so a replay's swap moves the writes without a restart.
          StoreOptions.Opened opened = stores.generations(dataDir);
          int dimension = EmbeddingModels.spec(model).dimension();
          ModelReembedder reembedder = new ModelReembedder(); // Qdrant only: Elasticsearch holds no vectors
          List<AutoCloseable> workers = new java.util.ArrayList<>();
          try {
            for (StoreOptions.StoreGenerations store : opened.stores()) {
              StoreOptions.serveIfUnserved(store, generation, dimension);
            }
          } catch (Exception e) {
            reembedder.close();
            opened.close();
            throw e;
          }
          for (StoreOptions.StoreGenerations store : opened.stores()) {
            IndexTarget target = IndexTarget.following(store.catalog(), generation,
                g -> store.open(g, dimension));
            workers.add(thread(Stages.indexer(settings, instance, store.name(), target, reembedder,
                Metrics.registry())));
          }
          yield () -> {
            for (AutoCloseable worker : workers) {
              worker.close(); // stops polling; its last batch is committed to the store or re-read later
            }
            reembedder.close();
            opened.close();
          };
        }
        case "query" -> {
          var searcher = stores.openSearcher(dataDir, generation);
          var search = new SearchService(searcher, EmbeddingModels.load(model, OnnxOptions.forQueries()), SearchConfig.defaults(),
              Metrics.registry());
          QueryHttpServer server = new QueryHttpServer(port == null ? 8080 : port, search, searcher, () -> true);
          AutoCloseable operations = Stages.operations(server, settings, Metrics.registry());
          server.start();
          yield () -> {
            server.close();
            operations.close();
          };
        }
        case "status" -> thread(Stages.status(settings, instance, Metrics.registry()));
        case "ingest" -> new IngestHttpServer(port == null ? 8081 : port,
            new DocumentPublisher(settings, "ragstream-ingest-http"), StackConfig.DEFAULT_MAX_UPLOAD_BYTES);
        default -> throw new CommandLine.ParameterException(new CommandLine(this),
            "unknown stage '" + stage + "': extract, chunker, embedder, indexer, status, query or ingest");
      };
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          running.close();
        } catch (Exception e) {
          System.err.println("error while stopping " + stage + ": " + e);
        } finally {
          stopped.countDown();
        }
      }));
      System.out.println("ragstream stage " + stage + " running against " + settings.bootstrap());
      stopped.await();
      return 0;
    }

    private static <T extends Runnable & AutoCloseable> AutoCloseable thread(T worker) {
      Thread.ofPlatform().name("ragstream-stage").start(worker);
      return worker;
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
