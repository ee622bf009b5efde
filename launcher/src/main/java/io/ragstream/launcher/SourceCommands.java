package io.ragstream.launcher;

import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.RecordMapping;
import io.ragstream.ingest.source.RegistryAvroDecoder;
import io.ragstream.ingest.source.TopicSource;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.Health;
import io.ragstream.runtime.stage.StageHttpServer;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ragstream source ...}: sources that feed the ingest topic from elsewhere than files and uploads. */
@Command(name = "source", description = "Feed the ingest topic from an existing source.",
    subcommands = {SourceCommands.Topic.class})
final class SourceCommands {

  /**
   * {@code --metrics-port}: a long-running source ({@code publish --watch}, {@code source topic}, {@code cdc
   * postgres}) serves {@code /health}, {@code /ready} and {@code /metrics} as a stage process does, so Prometheus
   * scrapes its {@code ragstream_source_*} meters as it scrapes the ingest stage's uploads. Off unless asked: a
   * one-off command should not open a port.
   */
  static final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "P", description = "serve /health, /ready and /metrics"
        + " (Prometheus) on port P while running (0: an ephemeral port, printed; default: no server)")
    Integer port;

    /** Starts the server when a port was given (null otherwise); ready while {@code worker} runs. */
    StageHttpServer start(CommandLine.Model.CommandSpec spec, Thread worker) throws IOException {
      if (port == null) {
        return null;
      }
      if (port < 0 || port > 65535) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--metrics-port must be 0..65535, was " + port);
      }
      StageHttpServer server = StageHttpServer.start(port,
          () -> Health.of(worker::isAlive), Metrics.registry());
      System.out.println("metrics on http://127.0.0.1:" + server.port() + "/metrics");
      return server;
    }
  }

  /** {@code ragstream source topic}: index the records of an existing topic through a declared mapping. */
  @Command(name = "topic", description = "Index an existing Kafka topic: each record (JSON, a schema registry's Avro,"
      + " or plain text) becomes a document through --map, tombstones become deletes, records the mapping cannot"
      + " read go to the extract dead-letter topic. Runs until interrupted; offsets are kept in the consumer group,"
      + " so a restart resumes.")
  static final class Topic implements Callable<Integer> {
    @CommandLine.Mixin Ragstream.KafkaOptions kafka = new Ragstream.KafkaOptions();

    @Option(names = "--source-topic", required = true, paramLabel = "T", description = "the topic to index")
    String sourceTopic;

    @Option(names = "--source-bootstrap", paramLabel = "H:P", description = "the cluster of --source-topic"
        + " (default: --bootstrap)") String sourceBootstrap;

    @Option(names = "--map", paramLabel = "SPEC", defaultValue = "", description = "id=$.id,text=$.body,"
        + "title=$.title,tenant=$.org,meta.NAME=$.path (JSONPath; text repeatable; id defaults to the record key)")
    String map;

    @Option(names = "--format", defaultValue = "json", description = "json, avro (a schema registry's Avro; --map"
        + " paths apply to the record as JSON) or string (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--source-schema-registry-url", paramLabel = "URL", description = "with --format avro: the"
        + " Apicurio Registry v2 API holding --source-topic's schemas, e.g. http://registry:8080/apis/registry/v2"
        + " (Confluent wire format or Apicurio id headers; default: --schema-registry-url)")
    String sourceRegistryUrl;

    @Option(names = "--tenant", defaultValue = "default") String tenant;

    @Option(names = "--group", description = "consumer group (default: <prefix>source-<topic>, so that"
        + " `ragstream lag` lists it)") String group;

    @CommandLine.Mixin MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      RecordMapping mapping;
      TopicSource.Settings settings;
      KafkaSettings target = kafka.settings();
      try {
        mapping = RecordMapping.parse(map, RecordMapping.Format.parse(format), tenant, sourceTopic);
        settings = new TopicSource.Settings(sourceTopic, group != null ? group
            : TopicSource.Settings.defaultGroup(target.topicPrefix(), sourceTopic), 500);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      RegistryAvroDecoder avro = avroDecoder(mapping.format());
      KafkaSettings source = sourceBootstrap == null ? target
          : new KafkaSettings(sourceBootstrap, target.topicPrefix());
      try (DocumentPublisher publisher = new DocumentPublisher(target, "ragstream-source-topic", "topic",
              Metrics.registry());
          TopicSource topic = new TopicSource(settings, mapping, avro, source, target, publisher, Metrics.registry(),
              System.out::println)) {
        Thread consuming = Thread.ofPlatform().name("ragstream-source-topic").start(topic);
        Runtime.getRuntime().addShutdownHook(new Thread(topic::close, "ragstream-source-topic-stop"));
        try (StageHttpServer server = metrics.start(spec, consuming)) {
          System.out.println("indexing topic " + sourceTopic + " (group " + settings.groupId() + ")"
              + (avro == null ? "" : ", Avro schemas from " + avro.registryUrl()));
          consuming.join();
        }
        if (topic.failure() != null) {
          System.err.println("ragstream source topic: " + topic.failure().getMessage());
          return 1;
        }
      }
      return 0;
    }

    /**
     * The registry decoder of {@code --format avro}: {@code --source-schema-registry-url}, else the stack's own
     * {@code --schema-registry-url} (a stack in registry mode usually shares its registry with the topics it
     * indexes). Null for the other formats, which take no registry.
     */
    private RegistryAvroDecoder avroDecoder(RecordMapping.Format format) {
      boolean own = sourceRegistryUrl != null && !sourceRegistryUrl.isBlank();
      if (format != RecordMapping.Format.AVRO) {
        if (own) {
          throw new CommandLine.ParameterException(spec.commandLine(),
              "--source-schema-registry-url applies to --format avro only, not --format " + format);
        }
        return null;
      }
      String url = own ? sourceRegistryUrl : kafka.serdes.registryUrl;
      if (url == null || url.isBlank()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--format avro needs"
            + " --source-schema-registry-url URL: the Apicurio Registry v2 API holding " + sourceTopic
            + "'s schemas, e.g. http://registry:8080/apis/registry/v2 (default: --schema-registry-url, not set)");
      }
      try {
        return new RegistryAvroDecoder(URI.create(url.strip()));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), (own ? "--source-schema-registry-url "
            : "--schema-registry-url ") + url + ": " + e.getMessage());
      }
    }
  }

  /** {@code ragstream cdc postgres}: a PostgreSQL table's rows as documents. */
  @Command(name = "cdc", description = "Stream a database table's rows as documents (change data capture).",
      subcommands = {SourceCommands.Postgres.class})
  static final class Cdc {}

  @Command(name = "postgres", description = "Stream a PostgreSQL table (logical replication, pgoutput) as documents"
      + " with Debezium: existing rows first, then every insert, update and delete. docId SCHEMA.TABLE/<id>. Offsets"
      + " are kept in the Kafka topic <prefix>cdc-offsets, so a restart resumes. Runs until interrupted.")
  static final class Postgres implements Callable<Integer> {
    @CommandLine.Mixin Ragstream.KafkaOptions kafka = new Ragstream.KafkaOptions();

    @Option(names = "--host", required = true) String host;
    @Option(names = "--port", defaultValue = "5432") int port;
    @Option(names = "--database", required = true) String database;
    @Option(names = "--user", required = true) String user;
    @Option(names = "--password-env", paramLabel = "VAR", description = "environment variable holding the password")
    String passwordEnv;
    @Option(names = "--table", required = true, paramLabel = "SCHEMA.TABLE") String table;
    @Option(names = "--id-column", required = true) String idColumn;
    @Option(names = "--text-columns", required = true, split = ",") java.util.List<String> textColumns;
    @Option(names = "--title-column") String titleColumn;
    @Option(names = "--tenant-column") String tenantColumn;
    @Option(names = "--meta-columns", split = ",") java.util.List<String> metaColumns = new java.util.ArrayList<>();
    @Option(names = "--tenant", defaultValue = "default", description = "tenant of rows without --tenant-column")
    String tenant;

    @CommandLine.Mixin MetricsOptions metrics = new MetricsOptions();

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      String password = null;
      if (passwordEnv != null) {
        password = System.getenv(passwordEnv);
        if (password == null) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--password-env " + passwordEnv
              + ": no such environment variable");
        }
      }
      io.ragstream.cdc.PostgresCdc.Settings settings;
      try {
        settings = new io.ragstream.cdc.PostgresCdc.Settings(host, port, database, user, password, table, idColumn,
            textColumns, titleColumn, tenantColumn, metaColumns, tenant);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      KafkaSettings target = kafka.settings();
      try (DocumentPublisher publisher = new DocumentPublisher(target, "ragstream-cdc", "cdc", Metrics.registry());
          io.ragstream.cdc.PostgresCdc cdc = new io.ragstream.cdc.PostgresCdc(settings, target, publisher,
              System.out::println)) {
        Thread streaming = Thread.ofPlatform().name("ragstream-cdc").start(cdc);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            cdc.close();
          } catch (java.io.IOException e) {
            System.err.println("ragstream cdc: stopping: " + e.getMessage());
          }
        }, "ragstream-cdc-stop"));
        try (StageHttpServer server = metrics.start(spec, streaming)) {
          System.out.println("streaming " + table + " from " + host + ":" + port + "/" + database);
          streaming.join();
        }
      }
      return 0;
    }
  }
}
