package io.ragstream.runtime.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Kafka client properties every client of a stage gets (producers, consumers, admin clients and Kafka Streams, via
 * {@code KafkaSettings.clientOverrides}): security ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) and
 * tuning. Read from a properties file ({@code --kafka-config FILE} / {@code RAGSTREAM_KAFKA_CONFIG_FILE}, the format
 * of Kafka's own {@code --command-config}) and from {@code RAGSTREAM_KAFKA_<PROPERTY>} variables, upper case with
 * dots as underscores ({@code RAGSTREAM_KAFKA_SECURITY_PROTOCOL=SASL_SSL} → {@code security.protocol}), which win
 * over the file. A name that is no Kafka client property is refused, naming it.
 */
public final class KafkaClientOverrides {
  public static final String FILE_ENV = "RAGSTREAM_KAFKA_CONFIG_FILE";
  private static final String ENV_PREFIX = "RAGSTREAM_KAFKA_";
  private static final Set<String> KNOWN = known();

  private KafkaClientOverrides() {}

  /** Whether {@code variable} is a client property override ({@code RAGSTREAM_KAFKA_*} but not the file). */
  public static boolean isOverride(String variable) {
    return variable.startsWith(ENV_PREFIX) && !variable.equals(FILE_ENV) && variable.length() > ENV_PREFIX.length();
  }

  /**
   * The overrides: the file's properties ({@code file} null: none), then the variables of {@code env}.
   *
   * @throws IllegalArgumentException for an unreadable file or a property no Kafka client knows
   */
  public static Map<String, String> load(Path file, Map<String, String> env) {
    Map<String, String> overrides = new TreeMap<>();
    if (file != null) {
      Properties props = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        props.load(in);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("Kafka client config file " + file + " does not exist", e);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read Kafka client config file " + file + ": " + e.getMessage(), e);
      }
      for (String name : props.stringPropertyNames()) {
        check(name, "in " + file);
        overrides.put(name, props.getProperty(name).strip());
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      if (isOverride(e.getKey())) {
        String property = property(e.getKey());
        check(property, "from " + e.getKey());
        overrides.put(property, e.getValue().strip());
      }
    }
    return overrides;
  }

  /** {@code RAGSTREAM_KAFKA_SASL_JAAS_CONFIG} → {@code sasl.jaas.config}. */
  public static String property(String variable) {
    return variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
  }

  private static void check(String property, String where) {
    if (!KNOWN.contains(property)) {
      throw new IllegalArgumentException("unknown Kafka client property '" + property + "' " + where
          + " (a producer, consumer or admin client property such as security.protocol or sasl.jaas.config)");
    }
  }

  private static Set<String> known() {
    Set<String> names = new TreeSet<>();
    names.addAll(ProducerConfig.configNames());
    names.addAll(ConsumerConfig.configNames());
    names.addAll(AdminClientConfig.configNames());
    return names;
  }
}
