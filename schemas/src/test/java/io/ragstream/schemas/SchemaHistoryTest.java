package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.DocumentProgress;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IngestRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schema version ever published must stay decodable: records written with any historical writer schema are
 * read by the current generated class through {@link AvroSerde}. Changing a schema without adding its new version to
 * the history fails {@link #theLatestHistoricalVersionIsTheCurrentSchema}.
 */
class SchemaHistoryTest {

  static Stream<Class<? extends SpecificRecord>> records() {
    return Stream.of(IngestRequest.class, ExtractedDocument.class, Chunk.class, EmbeddedChunk.class,
        IndexEvent.class, DocumentProgress.class);
  }

  @ParameterizedTest
  @MethodSource("records")
  void theLatestHistoricalVersionIsTheCurrentSchema(Class<? extends SpecificRecord> type) {
    Schema current = SpecificData.get().getSchema(type);
    List<Schema> history = SchemaHistory.versions(current.getName());
    assertThat(history).as("history of %s", current.getName()).isNotEmpty();
    // Single-object encoding identifies a writer schema by its parsing-canonical fingerprint, so that is the identity
    // that matters (docs and Java-specific properties are not part of it).
    assertThat(SchemaNormalization.parsingFingerprint64(history.getLast()))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(current));
  }

  @ParameterizedTest
  @MethodSource("records")
  <T extends SpecificRecord> void recordsWrittenWithEveryOlderVersionDecodeWithTheCurrentClass(Class<T> type)
      throws Exception {
    Schema current = SpecificData.get().getSchema(type);
    AvroSerde<T> serde = AvroSerde.of(type);
    Random random = new Random(42);
    for (Schema writer : SchemaHistory.versions(current.getName())) {
      assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, writer).getType())
          .as("%s can read %s", current.getName(), writer)
          .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
      for (int i = 0; i < 20; i++) {
        GenericData.Record written = (GenericData.Record) randomValue(writer, random);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), writer).encode(written);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        T decoded = serde.decode(bytes);

        // Compare in generic form (logical types as their underlying longs) after re-encoding the decoded object.
        GenericData.Record roundTrip =
            new BinaryMessageDecoder<GenericData.Record>(GenericData.get(), current).decode(serde.encode(decoded));
        for (Schema.Field field : writer.getFields()) {
          if (current.getField(field.name()) != null) {
            assertThat(String.valueOf(roundTrip.get(field.name())))
                .as("%s.%s", current.getName(), field.name())
                .isEqualTo(String.valueOf(written.get(field.name())));
          }
        }
      }
    }
  }

  /** A random value of the schema, enough to exercise every branch of unions, enums, arrays and maps. */
  static Object randomValue(Schema schema, Random random) {
    return switch (schema.getType()) {
      case RECORD -> {
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
          record.put(field.name(), randomValue(field.schema(), random));
        }
        yield record;
      }
      case UNION -> randomValue(schema.getTypes().get(random.nextInt(schema.getTypes().size())), random);
      case ENUM -> new GenericData.EnumSymbol(schema,
          schema.getEnumSymbols().get(random.nextInt(schema.getEnumSymbols().size())));
      case ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
          list.add(randomValue(schema.getElementType(), random));
        }
        yield new GenericData.Array<>(schema, list);
      }
      case MAP -> {
        Map<String, Object> map = new HashMap<>();
        for (int i = random.nextInt(2); i > 0; i--) { // at most one entry: map order is not part of equality
          map.put("k" + random.nextInt(100), randomValue(schema.getValueType(), random));
        }
        yield map;
      }
      case STRING -> "s" + random.nextInt(1000);
      case BYTES -> ByteBuffer.wrap(new byte[] {(byte) random.nextInt(), (byte) random.nextInt()});
      case INT -> random.nextInt(1000);
      case LONG -> random.nextLong(1_000_000);
      case FLOAT -> random.nextFloat();
      case DOUBLE -> random.nextDouble();
      case BOOLEAN -> random.nextBoolean();
      case NULL -> null;
      default -> throw new IllegalArgumentException("unsupported schema type " + schema.getType());
    };
  }
}
