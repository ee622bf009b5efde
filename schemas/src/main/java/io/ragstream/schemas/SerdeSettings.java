package io.ragstream.schemas;

import io.apicurio.registry.resolver.SchemaResolverConfig;
import io.apicurio.registry.rest.v2.beans.IfExists;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.config.IdOption;
import io.apicurio.registry.serde.strategy.TopicIdStrategy;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * How Avro record values are put on the wire, chosen once per process and handed to every stage with its Kafka
 * settings. Stages never test the mode themselves: they ask a {@link Topic} for its value serde under these settings.
 *
 * <ul>
 *   <li>{@link Mode#SINGLE_OBJECT} (default, embedded stack): Avro single-object encoding ({@code C3 01}, the writer
 *       schema's 64-bit fingerprint, the record). No registry: readers know every writer schema from
 *       {@link SchemaHistory}.
 *   <li>{@link Mode#REGISTRY}: the Confluent wire format ({@code 00}, a 4-byte schema id, the record) through
 *       Apicurio Registry's Kafka serde. Subjects follow Confluent's TopicNameStrategy ({@code <topic>-value}); the
 *       4-byte id is the registry's content id, which is what Apicurio's Confluent-compatible API
 *       ({@code /apis/ccompat/v7/schemas/ids/{id}}) calls a schema id, so Confluent consumers resolve it too.
 * </ul>
 *
 * <p>Readers in registry mode also accept single-object records (see {@link RegistryAvroSerde}), so a stack can be
 * switched to the registry with records of the old encoding still in its compacted topics.
 *
 * @param mode the encoding writers use
 * @param registryUrl the Apicurio Registry's v2 API, e.g. {@code http://registry:8080/apis/registry/v2}; only in
 *     registry mode
 * @param autoRegister registry mode: writers register their schema under {@code <topic>-value} when the registry
 *     does not have it yet (the registry's compatibility rule still applies). Off: schemas are registered beforehand
 *     (from the history files) and writers use the latest version of their subject
 */
public record SerdeSettings(Mode mode, URI registryUrl, boolean autoRegister) {

  /** Environment variable that switches registry mode on: the registry's URL. Unset or blank: single-object. */
  public static final String REGISTRY_URL_ENV = "RAGSTREAM_SCHEMA_REGISTRY_URL";
  /** Environment variable, {@code true} (default) or {@code false}: see {@link #autoRegister()}. */
  public static final String AUTO_REGISTER_ENV = "RAGSTREAM_SCHEMA_REGISTRY_AUTO_REGISTER";

  /** The default: single-object encoding, no registry. */
  public static final SerdeSettings SINGLE_OBJECT = new SerdeSettings(Mode.SINGLE_OBJECT, null, false);

  public enum Mode {
    SINGLE_OBJECT,
    REGISTRY
  }

  public SerdeSettings {
    if (mode == null) {
      throw new IllegalArgumentException("serde mode is required");
    }
    if (mode == Mode.SINGLE_OBJECT && (registryUrl != null || autoRegister)) {
      throw new IllegalArgumentException("single-object encoding takes no registry URL and no auto-register");
    }
    if (mode == Mode.REGISTRY) {
      if (registryUrl == null) {
        throw new IllegalArgumentException("registry mode needs the schema registry URL (" + REGISTRY_URL_ENV + ")");
      }
      if (registryUrl.getRawUserInfo() != null || registryUrl.getRawAuthority() != null
          && registryUrl.getRawAuthority().contains("@")) {
        // Settings are logged; credentials belong in Apicurio's auth settings, not in a URL that ends up in logs.
        throw new IllegalArgumentException(REGISTRY_URL_ENV + " must not carry credentials (user:password@)");
      }
      String scheme = registryUrl.getScheme() == null ? "" : registryUrl.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || registryUrl.getHost() == null) {
        throw new IllegalArgumentException(
            REGISTRY_URL_ENV + " must be an absolute http(s) URL such as http://registry:8080/apis/registry/v2, got "
                + registryUrl);
      }
      // Apicurio's serde speaks the registry's own v2 API; the ccompat path is for Confluent clients only.
      if (registryUrl.getPath() != null && registryUrl.getPath().contains("/apis/ccompat")) {
        throw new IllegalArgumentException(REGISTRY_URL_ENV + " must point at Apicurio's v2 API (…/apis/registry/v2),"
            + " not the Confluent-compatible one, got " + registryUrl);
      }
    }
  }

  /** Registry mode with auto-registration of the writers' schemas. */
  public static SerdeSettings registry(URI registryUrl) {
    return new SerdeSettings(Mode.REGISTRY, registryUrl, true);
  }

  /**
   * The settings from {@value #REGISTRY_URL_ENV} and {@value #AUTO_REGISTER_ENV}: single-object encoding unless a
   * registry URL is set. Fails fast on a malformed URL or a flag that is neither {@code true} nor {@code false}.
   */
  public static SerdeSettings fromEnvironment(Map<String, String> env) {
    return of(env.get(REGISTRY_URL_ENV), env.get(AUTO_REGISTER_ENV));
  }

  /**
   * The settings from a registry URL (null or blank: single-object encoding) and an auto-register flag (null or
   * blank: {@code true}); the same rules as {@link #fromEnvironment}, for command-line options.
   */
  public static SerdeSettings of(String registryUrl, String autoRegister) {
    boolean auto = parseFlag(autoRegister);
    if (registryUrl == null || registryUrl.isBlank()) {
      if (autoRegister != null && !autoRegister.isBlank()) {
        throw new IllegalArgumentException(AUTO_REGISTER_ENV + " is set but " + REGISTRY_URL_ENV + " is not");
      }
      return SINGLE_OBJECT;
    }
    URI url;
    try {
      url = URI.create(registryUrl.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(REGISTRY_URL_ENV + " is not a URL: " + registryUrl, e);
    }
    return new SerdeSettings(Mode.REGISTRY, url, auto);
  }

  private static boolean parseFlag(String value) {
    if (value == null || value.isBlank()) {
      return true;
    }
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(AUTO_REGISTER_ENV + " must be true or false, got " + value);
    };
  }

  public boolean registryMode() {
    return mode == Mode.REGISTRY;
  }

  /** A value serde for the generated Avro class under these settings. */
  public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
    return switch (mode) {
      case SINGLE_OBJECT -> AvroSerde.of(type);
      case REGISTRY -> RegistryAvroSerde.of(type, this);
    };
  }

  /**
   * The Apicurio serde configuration of registry mode, shared by serializer and deserializer (each ignores the
   * other's keys). Every key that decides the wire format or the subject is set explicitly rather than left to
   * Apicurio's defaults, which differ between its major versions.
   */
  public Map<String, Object> apicurioConfig() {
    if (mode != Mode.REGISTRY) {
      throw new IllegalStateException("single-object encoding uses no registry");
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(SerdeConfig.REGISTRY_URL, registryUrl.toString());
    // Confluent wire format: magic byte 0 and a 4-byte id in the payload, nothing in record headers.
    config.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, true);
    config.put(SerdeConfig.ENABLE_HEADERS, false);
    // The ccompat API's schema ids are content ids (unless the registry runs in legacy-id mode); globalIds would
    // make the 4 bytes meaningless to Confluent clients.
    config.put(SerdeConfig.USE_ID, IdOption.contentId.name());
    // Subject <topic>-value in the default group: Confluent's TopicNameStrategy.
    config.put(SerdeConfig.ARTIFACT_RESOLVER_STRATEGY, TopicIdStrategy.class.getName());
    // One self-contained schema per subject (nested records inlined), like the history files, instead of
    // separate artifacts for nested records.
    config.put(SchemaResolverConfig.DEREFERENCE_SCHEMA, true);
    config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, autoRegister);
    // An identical schema already registered is reused; a changed one becomes a new version, subject to the
    // registry's compatibility rule (BACKWARD in the compose stack).
    config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT_IF_EXISTS, IfExists.RETURN_OR_UPDATE.value());
    config.put(SerdeConfig.FIND_LATEST_ARTIFACT, !autoRegister);
    // Cached schemas are refreshed every check period; when the registry is down, keep using the cached schema
    // (an id's content never changes) instead of failing records the stage has already been reading.
    config.put(SchemaResolverConfig.FAULT_TOLERANT_REFRESH, true);
    config.put(AvroKafkaSerdeConfig.AVRO_ENCODING, AvroKafkaSerdeConfig.AVRO_ENCODING_BINARY);
    // Decode into the generated classes (resolving the writer schema to the class's schema), not GenericRecord.
    config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
    return config;
  }
}
