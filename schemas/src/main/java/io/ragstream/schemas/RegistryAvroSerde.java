package io.ragstream.schemas;

import io.apicurio.registry.rest.client.exception.NotFoundException;
import io.apicurio.rest.client.error.ApicurioRestClientException;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.Legacy4ByteIdHandler;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.config.IdOption;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Registry-mode value serde: Apicurio Registry's Avro serde configured for the Confluent wire format (see
 * {@link SerdeSettings#apicurioConfig()}). It writes {@code 00}, the schema's 4-byte content id and the Avro binary
 * record, under the subject {@code <topic>-value}, so the topic name handed to {@code serialize} must be the real one.
 *
 * <p>Reading dispatches on the first byte: {@code 00} goes to Apicurio's deserializer; a single-object record
 * ({@code C3 01}, what the default mode writes) is decoded with {@link AvroSerde}. The check costs two byte
 * comparisons and lets a stack move to the registry with old records still in its compacted topics: they stay
 * readable until compaction or a replay rewrites them. The other direction is not offered — a single-object reader
 * cannot resolve registry ids — and {@link AvroSerde} says so in its error.
 *
 * <p>Failures: bytes that cannot be decoded, or an id the registry does not know, are the record's fault and throw
 * {@link SerializationException} (stages dead-letter those). A registry that is unreachable or answers with an
 * error is not: that exception propagates unchanged so a stage retries the batch instead of dead-lettering good
 * records.
 */
public final class RegistryAvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final Class<T> type;
  private final AvroSerde<T> singleObject;
  private final AvroKafkaSerializer<T> serializer;
  private final AvroKafkaDeserializer<T> deserializer;

  private RegistryAvroSerde(Class<T> type, SerdeSettings settings) {
    this.type = type;
    this.singleObject = AvroSerde.of(type);
    Map<String, Object> config = settings.apicurioConfig();
    // Creating and configuring the serde makes no request: the registry is first contacted by the first record.
    this.serializer = new AvroKafkaSerializer<>();
    serializer.configure(config, false);
    this.deserializer = new AvroKafkaDeserializer<>();
    deserializer.configure(config, false);
  }

  static <T extends SpecificRecord> RegistryAvroSerde<T> of(Class<T> type, SerdeSettings settings) {
    if (!settings.registryMode()) {
      throw new IllegalArgumentException("registry serde needs registry-mode settings, got " + settings.mode());
    }
    return new RegistryAvroSerde<>(type, settings);
  }

  /** The Confluent wire format's first byte. */
  public static final byte MAGIC_BYTE = 0;

  public byte[] encode(String topic, T value) {
    if (value == null) {
      return null; // tombstones stay tombstones
    }
    return serializer.serialize(topic, value);
  }

  public T decode(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    if (AvroSerde.isSingleObject(bytes)) {
      return singleObject.decode(bytes);
    }
    if (bytes.length < 5 || bytes[0] != MAGIC_BYTE) {
      throw new SerializationException("cannot decode " + type.getSimpleName() + " (" + bytes.length
          + " bytes): neither the Confluent wire format (00 + 4-byte schema id) nor Avro single-object encoding");
    }
    Object decoded;
    try {
      decoded = deserializer.deserialize(topic, bytes);
    } catch (NotFoundException e) {
      throw new SerializationException("cannot decode " + type.getSimpleName() + ": the registry has no schema with"
          + " id " + schemaId(bytes) + " (" + e.getMessage() + ")", e);
    } catch (ApicurioRestClientException e) {
      throw e; // the registry is down or refused us: retriable, not the record's fault
    } catch (RuntimeException e) {
      throw new SerializationException("cannot decode " + type.getSimpleName() + " with schema id " + schemaId(bytes)
          + ": " + e.getMessage(), e);
    }
    if (!type.isInstance(decoded)) {
      // The id resolved to a schema of another record type (a record written to the wrong topic).
      throw new SerializationException("schema id " + schemaId(bytes) + " on " + topic + " is "
          + (decoded == null ? "null" : decoded.getClass().getName()) + ", expected " + type.getName());
    }
    return type.cast(decoded);
  }

  /**
   * Whether a failure, or anything in its cause chain, is the registry being unreachable or refusing a request —
   * a condition to retry, unlike a record that cannot be decoded. For handlers that see the serde's exceptions
   * wrapped (Kafka Streams).
   */
  public static boolean registryUnavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SerializationException) {
        return false; // the record's fault (an unknown id is reported as one, see decode)
      }
      if (t instanceof ApicurioRestClientException) {
        return true;
      }
    }
    return false;
  }

  /** The schema id (registry content id) of a Confluent-framed record, read by Apicurio's own id handler. */
  public static long schemaId(byte[] bytes) {
    Legacy4ByteIdHandler ids = new Legacy4ByteIdHandler();
    ids.configure(Map.of(SerdeConfig.USE_ID, IdOption.contentId.name()), false);
    return ids.readId(ByteBuffer.wrap(bytes, 1, ids.idSize())).getContentId();
  }

  @Override
  public Serializer<T> serializer() {
    return new Serializer<>() {
      @Override
      public byte[] serialize(String topic, T value) {
        return encode(topic, value);
      }

      @Override
      public byte[] serialize(String topic, Headers headers, T value) {
        return encode(topic, value); // headers are never written: the id travels in the payload
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return new Deserializer<>() {
      @Override
      public T deserialize(String topic, byte[] bytes) {
        return decode(topic, bytes);
      }

      @Override
      public T deserialize(String topic, Headers headers, byte[] bytes) {
        return decode(topic, bytes);
      }
    };
  }

  @Override
  public void close() {
    serializer.close();
    deserializer.close();
  }
}
