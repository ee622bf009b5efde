package io.ragstream.runtime.config;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Settings every stage process reads: how it reaches Kafka, its identity among replicas and where its state lives.
 * The stages' own settings are declared next to their config records in their modules.
 */
public final class CommonSettings {
  public static final Setting BOOTSTRAP = Setting.string("bootstrap", "127.0.0.1:9092",
      "Kafka bootstrap servers (host:port[,host:port])");
  public static final Setting TOPIC_PREFIX = Setting.string("topic-prefix", Topics.DEFAULT_PREFIX,
      "prefix of every topic and consumer group name");
  public static final Setting SCHEMA_REGISTRY_URL = Setting.string("schema-registry.url", null,
      "Apicurio Registry v2 API URL: record values in the Confluent wire format; unset: Avro single-object encoding")
      .withEnv(SerdeSettings.REGISTRY_URL_ENV);
  public static final Setting SCHEMA_REGISTRY_AUTO_REGISTER = Setting.bool("schema-registry.auto-register", null,
      "writers register their schema if the registry lacks it (default true with a registry)")
      .withEnv(SerdeSettings.AUTO_REGISTER_ENV);
  public static final Setting KAFKA_CONFIG_FILE = Setting.path("kafka.config-file", null,
      "properties file of Kafka client settings (security.protocol, sasl.*, ssl.*) given to every client; "
          + "RAGSTREAM_KAFKA_<PROPERTY> variables override it").withEnv(KafkaClientOverrides.FILE_ENV);
  public static final Setting INSTANCE = Setting.string("instance", null,
      "worker id, unique per stage replica (part of its transactional id and Streams state directory); default: "
          + "the host name (unique per container), else 0");
  public static final Setting DATA_DIR = Setting.path("data-dir", "data",
      "local state: Kafka Streams state, the Lucene index, the embedding cache");
  public static final Setting REPLICATION = Setting.integer("replication", 1, 1, Short.MAX_VALUE,
      "replication factor of the topics and Streams changelogs a stage creates");

  /** The Kafka settings every stage takes. */
  public static final List<Setting> KAFKA = List.of(BOOTSTRAP, TOPIC_PREFIX, SCHEMA_REGISTRY_URL,
      SCHEMA_REGISTRY_AUTO_REGISTER, KAFKA_CONFIG_FILE);

  /** Every common setting. */
  public static final List<Setting> ALL = List.of(BOOTSTRAP, TOPIC_PREFIX, SCHEMA_REGISTRY_URL,
      SCHEMA_REGISTRY_AUTO_REGISTER, KAFKA_CONFIG_FILE, INSTANCE, DATA_DIR, REPLICATION);

  /**
   * Variables no setting declares but that are legitimately in a stage's environment: the launcher script's JVM
   * options and the compose file's image override.
   */
  public static final List<String> OTHER_VARIABLES = List.of("RAGSTREAM_JVM_OPTS", "RAGSTREAM_IMAGE",
      "RAGSTREAM_PUBLISH_ADDRESS"); // the last: docker-compose.yml's host address for the published API ports

  private CommonSettings() {}

  /**
   * How the stage reaches Kafka: bootstrap, prefix, value encoding, and the client overrides of the config file and
   * the {@code RAGSTREAM_KAFKA_*} variables of {@code env}.
   */
  public static KafkaSettings kafka(Settings settings, Map<String, String> env) {
    SerdeSettings serdes = SerdeSettings.of(settings.optional(SCHEMA_REGISTRY_URL).orElse(null),
        settings.optional(SCHEMA_REGISTRY_AUTO_REGISTER).orElse(null));
    Path file = settings.optional(KAFKA_CONFIG_FILE).map(Path::of).orElse(null);
    return new KafkaSettings(settings.string(BOOTSTRAP), settings.optional(TOPIC_PREFIX).orElse(""),
        KafkaClientOverrides.load(file, env), serdes);
  }

  /** The instance id: the setting, else the host name (unique per container), else {@code 0}. */
  public static String instance(Settings settings, Map<String, String> env) {
    for (String candidate : new String[] {settings.optional(INSTANCE).orElse(null), env.get("HOSTNAME")}) {
      if (candidate != null && !candidate.isBlank()) {
        return candidate.strip();
      }
    }
    return "0";
  }
}
