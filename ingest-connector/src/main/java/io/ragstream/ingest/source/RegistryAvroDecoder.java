package io.ragstream.ingest.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.apicurio.registry.rest.client.exception.NotFoundException;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.rest.client.error.ApicurioRestClientException;
import io.ragstream.schemas.SerdeSettings;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The keys and values of a source topic written with a schema registry's Avro serializer, decoded with Apicurio's
 * {@link AvroKafkaDeserializer} (as generic records, in their writer schema) and rendered with {@link AvroJson}, so
 * the topic source maps them with the same JSONPath mapping as JSON records.
 *
 * <p>Wire formats read: the Confluent one ({@code 00}, a 4-byte schema id, the record: what Confluent's serializer,
 * Kafka Connect's AvroConverter, Debezium and ragstream's own registry mode write; the id is the registry's content
 * id, which is what Apicurio's Confluent-compatible API serves), and Apicurio's own with the ids in record headers.
 * The registry settings are the project's registry mode ({@link SerdeSettings#apicurioConfig()}), reading generic
 * records instead of generated classes.
 *
 * <p>Failures: a record that is not in either format, whose schema id the registry does not know, or whose bytes do
 * not match its schema is the record's fault: {@link RecordMapping.MappingException} with reason {@code undecodable}
 * (the source dead-letters it). A registry that cannot be reached or answers with an error is not:
 * {@link RegistryUnavailableException}, so the source retries the batch instead of dead-lettering good records.
 */
public final class RegistryAvroDecoder implements AutoCloseable {

  /** The registry could not be asked: the batch is to be retried, no record is at fault. */
  public static final class RegistryUnavailableException extends RuntimeException {
    RegistryUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The Confluent wire format's first byte. */
  private static final byte MAGIC_BYTE = 0;
  /** Apicurio's key-id headers ({@code apicurio.key.globalId}, ...) when ids travel in headers. */
  private static final String KEY_HEADER_PREFIX = "apicurio.key.";

  private final URI registryUrl;
  private final AvroKafkaDeserializer<Object> values = new AvroKafkaDeserializer<>();
  private final AvroKafkaDeserializer<Object> keys = new AvroKafkaDeserializer<>();

  /**
   * @param registryUrl the Apicurio Registry v2 API ({@code http://registry:8080/apis/registry/v2}); validated as
   *     registry mode validates its URL. Configuring makes no request: the registry is first asked by a record.
   */
  public RegistryAvroDecoder(URI registryUrl) {
    this.registryUrl = registryUrl;
    Map<String, Object> config = new HashMap<>(SerdeSettings.registry(registryUrl).apicurioConfig());
    // generic records in the writer's schema: the source knows nothing of the topic's classes
    config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, false);
    // ids in Apicurio's headers where a record has them; otherwise in the payload (Confluent framing)
    config.put(SerdeConfig.ENABLE_HEADERS, true);
    values.configure(config, false);
    keys.configure(config, true);
  }

  /** The registry this decoder asks. */
  public URI registryUrl() {
    return registryUrl;
  }

  /** A value as JSON, or null for a tombstone. */
  public JsonNode value(String topic, Headers headers, byte[] bytes) throws RecordMapping.MappingException {
    if (bytes == null) {
      return null;
    }
    return render(decode(values, topic, headers, bytes, "value"), "value");
  }

  /**
   * The key as the mapping reads keys: a registry-Avro key becomes its JSON text (a record key such as Debezium's
   * {@code {"id":42}}, so {@code id=$.id} applies to it as to a JSON key) or its plain text (a string or number key);
   * any other key is returned as it is (plain text, JSON).
   */
  public byte[] key(String topic, Headers headers, byte[] bytes) throws RecordMapping.MappingException {
    if (bytes == null || !(framed(bytes) || hasKeyHeaders(headers))) {
      return bytes;
    }
    JsonNode key = render(decode(keys, topic, headers, bytes, "key"), "key");
    String text = key.isValueNode() ? key.asText() : key.toString();
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A datum Avro itself decoded matches its schema; should one not, it is that record's dead letter, not a crash. */
  private static JsonNode render(Object datum, String what) throws RecordMapping.MappingException {
    try {
      return AvroJson.toJson(datum);
    } catch (RuntimeException e) {
      throw new RecordMapping.MappingException("undecodable", "the record's " + what + " cannot be rendered as JSON: "
          + e, e);
    }
  }

  private Object decode(AvroKafkaDeserializer<Object> deserializer, String topic, Headers headers, byte[] bytes,
      String what) throws RecordMapping.MappingException {
    if (!framed(bytes) && !hasIdHeaders(headers, what)) {
      throw new RecordMapping.MappingException("undecodable", "the record's " + what + " (" + bytes.length
          + " bytes) is not registry Avro: neither the Confluent wire format (00 + 4-byte schema id) nor Apicurio's"
          + " id headers");
    }
    try {
      return deserializer.deserialize(topic, headers, bytes);
    } catch (RuntimeException e) {
      if (registryUnavailable(e)) {
        throw new RegistryUnavailableException("schema registry " + registryUrl + " did not answer for a record of "
            + topic + ": " + e, e);
      }
      Throwable notFound = find(e, NotFoundException.class);
      throw new RecordMapping.MappingException("undecodable", notFound != null
          ? "the registry has no schema for the record's " + what + " (" + notFound.getMessage() + ")"
          : "the record's " + what + " is not Avro of its registered schema: " + e, e);
    }
  }

  /**
   * Whether the failure is the registry's (unreachable, timing out, answering with an error) rather than the
   * record's. An unknown id is the record's: the registry answered.
   */
  static boolean registryUnavailable(Throwable failure) {
    if (find(failure, NotFoundException.class) != null) {
      return false;
    }
    return find(failure, ApicurioRestClientException.class) != null || find(failure, ConnectException.class) != null
        || find(failure, HttpTimeoutException.class) != null || find(failure, UnknownHostException.class) != null;
  }

  private static Throwable find(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return t;
      }
    }
    return null;
  }

  private static boolean framed(byte[] bytes) {
    return bytes.length >= 5 && bytes[0] == MAGIC_BYTE;
  }

  private static boolean hasKeyHeaders(Headers headers) {
    if (headers != null) {
      for (Header header : headers) {
        if (header.key().startsWith(KEY_HEADER_PREFIX)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hasIdHeaders(Headers headers, String what) {
    if (headers == null) {
      return false;
    }
    if (what.equals("key")) {
      return hasKeyHeaders(headers);
    }
    for (Header header : headers) {
      if (header.key().startsWith("apicurio.value.")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    values.close();
    keys.close();
  }
}
