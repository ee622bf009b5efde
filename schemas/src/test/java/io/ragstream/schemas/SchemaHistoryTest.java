package io.ragstream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.DocumentProgress;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IngestRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every schema version ever published must stay decodable: records written with any historical writer schema are
 * read by the current generated class through {@link AvroSerde}. Changing a schema without adding its new version to
 * the history fails {@link #theLatestHistoricalVersionIsTheCurrentSchema}. Every version must also be backward and
 * forward compatible with every other ({@link #everyVersionIsBackwardAndForwardCompatibleWithEveryOther}): a change
 * may only add optional fields (with defaults) or drop fields that had one.
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
        assertSameOnSharedFields(current.getName(), written, roundTrip);
      }
    }
  }

  /**
   * Each version reads records written with every other: a newer reader resolves an older writer (backward: replaying
   * a compacted topic written before an upgrade) and an older reader resolves a newer writer (forward: a stage not
   * yet upgraded, given the writer schema, skips the fields it does not know). Avro's own resolution decodes the
   * records, so a field added without a default, or with a type an older reader cannot take, fails here.
   */
  @ParameterizedTest
  @MethodSource("records")
  void everyVersionIsBackwardAndForwardCompatibleWithEveryOther(Class<? extends SpecificRecord> type)
      throws Exception {
    String name = SpecificData.get().getSchema(type).getName();
    List<Schema> history = SchemaHistory.versions(name);
    Random random = new Random(7);
    for (int older = 0; older < history.size(); older++) {
      for (int newer = older + 1; newer < history.size(); newer++) {
        Schema old = history.get(older);
        Schema next = history.get(newer);
        String pair = name + " v" + (older + 1) + " and v" + (newer + 1);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(next, old).getType())
            .as("backward: of %s, the newer reads the older", pair).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(old, next).getType())
            .as("forward: of %s, the older reads the newer", pair).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
        for (int i = 0; i < 20; i++) {
          GenericData.Record writtenOld = (GenericData.Record) randomValue(old, random);
          assertSameOnSharedFields("backward " + pair, writtenOld, resolve(writtenOld, old, next));
          GenericData.Record writtenNext = (GenericData.Record) randomValue(next, random);
          assertSameOnSharedFields("forward " + pair, writtenNext, resolve(writtenNext, next, old));
        }
      }
    }
  }

  @Test
  void aCodeBlocksLanguageIsAddedToExtractedDocumentsWithoutBreakingV1() throws Exception {
    List<Schema> history = SchemaHistory.versions("ExtractedDocument");
    assertThat(history).hasSizeGreaterThanOrEqualTo(2);
    Schema v1 = history.get(0);
    Schema v2 = history.get(1);
    Schema v1Block = v1.getField("blocks").schema().getElementType();
    Schema v2Block = v2.getField("blocks").schema().getElementType();
    assertThat(v1Block.getField("language")).isNull();
    assertThat(v2Block.getField("language").schema().getTypes()).extracting(Schema::getType)
        .containsExactly(Schema.Type.NULL, Schema.Type.STRING);
    assertThat(v2Block.getField("language").defaultVal()).isEqualTo(JsonProperties.NULL_VALUE);

    // a v1 record (what the extract stage wrote before this field existed) decodes with no language on its blocks
    GenericData.Record v1Code = new GenericData.Record(v1Block);
    v1Code.put("kind", new GenericData.EnumSymbol(v1Block.getField("kind").schema(), "CODE"));
    v1Code.put("level", 0);
    v1Code.put("text", "def f():\n    return 1");
    v1Code.put("rows", List.of());
    GenericData.Record v1Doc = new GenericData.Record(v1);
    v1Doc.put("docId", "d1");
    v1Doc.put("tenant", "default");
    v1Doc.put("contentHash", "h");
    v1Doc.put("version", 3L);
    v1Doc.put("ingestedAt", 1000L);
    v1Doc.put("metadata", Map.of("author", "Ada"));
    v1Doc.put("blocks", List.of(v1Code));
    ByteBuffer v1Bytes = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), v1).encode(v1Doc);
    byte[] bytes = new byte[v1Bytes.remaining()];
    v1Bytes.get(bytes);
    AvroSerde<ExtractedDocument> serde = AvroSerde.of(ExtractedDocument.class);
    ExtractedDocument decoded = serde.decode(bytes);
    assertThat(decoded.getBlocks()).singleElement().satisfies(block -> {
      assertThat(block.getKind()).isEqualTo(BlockKind.CODE);
      assertThat(block.getText()).isEqualTo("def f():\n    return 1");
      assertThat(block.getLanguage()).isNull();
    });
    assertThat(decoded.getMetadata()).containsOnly(Map.entry("author", "Ada"));

    // the current class writes the language and reads it back
    ExtractedDocument current = ExtractedDocument.newBuilder(decoded)
        .setBlocks(List.of(Block.newBuilder(decoded.getBlocks().getFirst()).setLanguage("python").build())).build();
    byte[] currentBytes = serde.encode(current);
    assertThat(serde.decode(currentBytes).getBlocks().getFirst().getLanguage()).isEqualTo("python");

    // a v1 reader given the new writer schema skips the language and keeps everything else
    Schema latest = history.getLast(); // the current writer (v3 added the ACL)
    GenericData.Record asV1 = resolve(
        new BinaryMessageDecoder<GenericData.Record>(GenericData.get(), latest).decode(currentBytes), latest, v1);
    GenericData.Record block = (GenericData.Record) ((List<?>) asV1.get("blocks")).getFirst();
    assertThat(block.getSchema().getField("language")).isNull();
    assertThat(block.get("text").toString()).isEqualTo("def f():\n    return 1");
  }

  @Test
  void chunksWrittenBeforeAclsDecodeWithAnEmptyAclAndOldReadersSkipIt() throws Exception {
    List<Schema> history = SchemaHistory.versions("Chunk");
    Schema v1 = history.get(0);
    Schema v2 = history.get(1);
    GenericData.Record old = (GenericData.Record) randomValue(v1, new Random(3));
    ByteBuffer oldBytes = new BinaryMessageEncoder<GenericData.Record>(GenericData.get(), v1).encode(old);
    byte[] bytes = new byte[oldBytes.remaining()];
    oldBytes.get(bytes);
    AvroSerde<Chunk> serde = AvroSerde.of(Chunk.class);
    Chunk decoded = serde.decode(bytes);
    // no ACL: the whole tenant sees it, as before ACLs existed
    assertThat(decoded.getAcl()).isEmpty();
    assertThat(decoded.getChunkId()).isEqualTo(old.get("chunkId").toString());

    Chunk withAcl = Chunk.newBuilder(decoded).setAcl(List.of("group:eng", "user:ann")).build();
    byte[] current = serde.encode(withAcl);
    assertThat(serde.decode(current).getAcl()).containsExactly("group:eng", "user:ann");
    GenericData.Record asV1 = resolve(
        new BinaryMessageDecoder<GenericData.Record>(GenericData.get(), v2).decode(current), v2, v1);
    assertThat(asV1.getSchema().getField("acl")).isNull();
    assertThat(asV1.get("text").toString()).isEqualTo(decoded.getText());
  }

  /** {@code datum}, written with {@code writer}, as a reader of {@code reader} decodes it (Avro schema resolution). */
  private static GenericData.Record resolve(GenericData.Record datum, Schema writer, Schema reader)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericData.Record>(writer).write(datum, encoder);
    encoder.flush();
    return new GenericDatumReader<GenericData.Record>(writer, reader)
        .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
  }

  /**
   * Every field of {@code written} that {@code decoded}'s schema also has holds the same value, recursively (nested
   * records too, so a field added to or dropped from a nested record is compared only where both versions have it).
   */
  private static void assertSameOnSharedFields(String path, Object written, Object decoded) {
    if (written instanceof GenericRecord record) {
      assertThat(decoded).as(path).isInstanceOf(GenericRecord.class);
      GenericRecord other = (GenericRecord) decoded;
      for (Schema.Field field : record.getSchema().getFields()) {
        if (other.getSchema().getField(field.name()) != null) {
          assertSameOnSharedFields(path + "." + field.name(), record.get(field.name()), other.get(field.name()));
        }
      }
    } else if (written instanceof List<?> list) {
      assertThat(decoded).as(path).isInstanceOf(List.class);
      List<?> other = (List<?>) decoded;
      assertThat(other).as(path).hasSameSizeAs(list);
      for (int i = 0; i < list.size(); i++) {
        assertSameOnSharedFields(path + "[" + i + "]", list.get(i), other.get(i));
      }
    } else if (written instanceof Map<?, ?> map) {
      assertThat(decoded).as(path).isInstanceOf(Map.class);
      Map<String, Object> other = new HashMap<>();
      ((Map<?, ?>) decoded).forEach((k, v) -> other.put(k.toString(), v));
      assertThat(other.keySet()).as(path).isEqualTo(
          map.keySet().stream().map(Object::toString).collect(Collectors.toSet()));
      map.forEach((k, v) -> assertSameOnSharedFields(path + "[" + k + "]", v, other.get(k.toString())));
    } else if (written instanceof ByteBuffer bytes) {
      assertThat(decoded).as(path).isEqualTo(bytes); // ByteBuffer equality compares the remaining bytes
    } else {
      // strings as Utf8 or String, enums as symbols, logical types as their underlying numbers
      assertThat(String.valueOf(decoded)).as(path).isEqualTo(String.valueOf(written));
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
