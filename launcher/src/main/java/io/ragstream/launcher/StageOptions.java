package io.ragstream.launcher;

import io.ragstream.embedder.EmbedderStageConfig;
import io.ragstream.embedding.ModelSettings;
import io.ragstream.indexer.IndexerConfig;
import io.ragstream.runtime.config.CommonSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The flags of {@code stage} and {@code config}. None has a default of its own: an absent flag falls through to the
 * setting's environment variable, then to its declared default ({@link io.ragstream.runtime.config.Settings}).
 * Any setting without a flag of its own is given with {@code --set KEY=VALUE}.
 */
final class StageOptions {
  @Option(names = "--bootstrap", description = "Kafka bootstrap servers (env RAGSTREAM_BOOTSTRAP; default"
      + " 127.0.0.1:9092)")
  String bootstrap;

  @Option(names = "--topic-prefix", description = "topic name prefix (env RAGSTREAM_TOPIC_PREFIX)")
  String prefix;

  @Option(names = "--schema-registry-url", description = "schema registry (env RAGSTREAM_SCHEMA_REGISTRY_URL)")
  String registryUrl;

  @Option(names = "--schema-registry-auto-register",
      description = "register writer schemas (env RAGSTREAM_SCHEMA_REGISTRY_AUTO_REGISTER)")
  String autoRegister;

  @Option(names = "--kafka-config", paramLabel = "FILE", description = "Kafka client properties for every client"
      + " (security.protocol, sasl.*, ssl.*; env RAGSTREAM_KAFKA_CONFIG_FILE); RAGSTREAM_KAFKA_<PROPERTY> variables"
      + " override single properties")
  Path kafkaConfig;

  @Option(names = "--data-dir", description = "Streams state / Lucene index location (env RAGSTREAM_DATA_DIR;"
      + " default ./data)")
  Path dataDir;

  @Option(names = "--instance", description = "worker id, unique per stage and replica (part of its transactional"
      + " id and Streams state directory); default: $RAGSTREAM_INSTANCE, else the host name, else 0")
  String instance;

  @Option(names = "--port", description = "HTTP port: the API of query (default 8080) and ingest (8081), else"
      + " /health, /ready and /metrics only (default 0: any free port); env RAGSTREAM_<STAGE>_PORT")
  Integer port;

  @Option(names = "--model", description = "embedding model id (env RAGSTREAM_MODEL)")
  String model;

  @Option(names = "--device", description = "where the embedder runs its model: cpu, cuda (needs the -Pgpu build;"
      + " falls back to the CPU with a WARN) or cuda-strict (fails instead); env RAGSTREAM_EMBEDDER_DEVICE")
  String device;

  @Option(names = "--replication", description = "replication of topics/changelogs (env RAGSTREAM_REPLICATION)")
  Short replication;

  @Option(names = "--generation", description = "index generation to write and read until the first swap (then"
      + " both follow it: Lucene's CURRENT pointer, the Qdrant and Elasticsearch aliases; env RAGSTREAM_GENERATION)")
  String generation;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "any setting by key or variable name"
      + " (`ragstream config STAGE` lists them), e.g. --set embedder.max-batch-tokens=4096")
  Map<String, String> set = new LinkedHashMap<>();

  @CommandLine.Mixin StoreOptions stores = new StoreOptions();

  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE) CommandLine.Model.CommandSpec spec;

  /** The flags given, by setting key, for {@code stage} (its port flag is the stage's port setting). */
  Map<String, String> flags(String stage) {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, CommonSettings.BOOTSTRAP.key(), bootstrap);
    put(flags, CommonSettings.TOPIC_PREFIX.key(), prefix);
    put(flags, CommonSettings.SCHEMA_REGISTRY_URL.key(), registryUrl);
    put(flags, CommonSettings.SCHEMA_REGISTRY_AUTO_REGISTER.key(), autoRegister);
    put(flags, CommonSettings.KAFKA_CONFIG_FILE.key(), kafkaConfig);
    put(flags, CommonSettings.DATA_DIR.key(), dataDir);
    put(flags, CommonSettings.INSTANCE.key(), instance);
    put(flags, stage + ".port", port);
    put(flags, ModelSettings.MODEL.key(), model);
    put(flags, EmbedderStageConfig.DEVICE.key(), device);
    put(flags, CommonSettings.REPLICATION.key(), replication);
    put(flags, IndexerConfig.GENERATION.key(), generation);
    if ("indexer".equals(stage) || "query".equals(stage)) {
      // the store flags read their variables as defaults; only flags given on the command line count as flags
      CommandLine.ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
      for (String[] flag : StoreSettings.FLAGS) {
        if (parsed != null && parsed.hasMatchedOption(flag[0])) {
          flags.put(flag[1], parsed.matchedOptionValue(flag[0], (Object) "").toString());
        }
      }
    }
    // A supervisor may pass the same flags to every stage (--data-dir to ingest, say): a named flag the stage does not
    // read is no error. A --set key it does not read is (a typo would otherwise be ignored).
    java.util.Set<String> declared = new java.util.HashSet<>();
    StageCatalog.settings(stage).forEach(s -> {
      declared.add(s.key());
      declared.add(s.env());
    });
    flags.keySet().retainAll(declared);
    flags.putAll(set);
    return flags;
  }

  private static void put(Map<String, String> flags, String key, Object value) {
    if (value != null) {
      flags.put(key, value.toString());
    }
  }
}
