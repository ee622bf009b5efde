package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ragstream.ingest.source.RecordMapping.Format;
import io.ragstream.ingest.source.RecordMapping.MappingException;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/**
 * Avro records (as the registry deserializer hands them over: generic records, Utf8 strings, raw logical-type values)
 * rendered as JSON and mapped with the same JSONPath mapping as JSON records.
 */
class AvroJsonTest {
  /** Reads decimals exactly, as the rendering writes them (1234.50 keeps its scale). */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  /** A row of a table, with a field of each kind the rendering treats differently. */
  private static final Schema ROW = new Schema.Parser().parse("""
      {"type": "record", "name": "Row", "namespace": "shop.public.articles", "fields": [
        {"name": "id", "type": "long"},
        {"name": "title", "type": ["null", "string"], "default": null},
        {"name": "body", "type": "string"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["DRAFT", "PUBLISHED"]}},
        {"name": "attachment", "type": ["null", "bytes"], "default": null},
        {"name": "digest", "type": {"type": "fixed", "name": "Digest", "size": 4}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "labels", "type": {"type": "map", "values": "int"}},
        {"name": "author", "type": ["null", {"type": "record", "name": "Author", "fields": [
          {"name": "name", "type": "string"}, {"name": "email", "type": ["null", "string"], "default": null}]}]},
        {"name": "score", "type": ["null", "double"], "default": null},
        {"name": "updated", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "published", "type": ["null", {"type": "int", "logicalType": "date"}], "default": null},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 8, "scale": 2}},
        {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}}
      ]}""");

  /** Debezium's change event: the row before and after, and the operation. */
  private static final Schema ENVELOPE = new Schema.Parser().parse("""
      {"type": "record", "name": "Envelope", "namespace": "shop.public.articles", "fields": [
        {"name": "before", "type": ["null", %s], "default": null},
        {"name": "after", "type": ["null", "Row"], "default": null},
        {"name": "op", "type": "string"},
        {"name": "ts_ms", "type": ["null", "long"], "default": null}
      ]}""".formatted(ROW.toString()));

  private static final Instant UPDATED = Instant.parse("2026-12-06T13:05:00.250Z");

  private static GenericRecord row(long id, String title, String body) {
    Schema author = ROW.getField("author").schema().getTypes().get(1);
    return new GenericRecordBuilder(ROW)
        .set("id", id)
        .set("title", title == null ? null : new Utf8(title))
        .set("body", new Utf8(body))
        .set("status", new GenericData.EnumSymbol(ROW.getField("status").schema(), "PUBLISHED"))
        .set("attachment", ByteBuffer.wrap(new byte[] {1, 2, 3}))
        .set("digest", new GenericData.Fixed(ROW.getField("digest").schema(),
            new byte[] {(byte) 0xCA, (byte) 0xFE, 0, 1}))
        .set("tags", new GenericData.Array<>(ROW.getField("tags").schema(),
            List.of(new Utf8("boiler"), new Utf8("heating"))))
        .set("labels", Map.of(new Utf8("votes"), 3))
        .set("author", new GenericRecordBuilder(author).set("name", new Utf8("Ada")).build())
        .set("updated", UPDATED.toEpochMilli())
        .set("published", (int) LocalDate.parse("2026-12-01").toEpochDay())
        .set("price", ByteBuffer.wrap(new BigDecimal("1234.50").unscaledValue().toByteArray()))
        .set("ref", new Utf8("7c9e6679-7425-40de-944b-e07fc1f90ae7"))
        .build();
  }

  @Test
  void everyAvroTypeBecomesTheJsonAPersonWouldWrite() throws Exception {
    JsonNode json = AvroJson.toJson(row(42, null, "The boiler rattles at night."));

    // compared as text: a long renders as 42 whichever numeric node type holds it
    assertThat(json.toString()).isEqualTo(JSON.readTree("""
        {"id": 42, "title": null, "body": "The boiler rattles at night.", "status": "PUBLISHED",
         "attachment": "AQID", "digest": "yv4AAQ==", "tags": ["boiler", "heating"], "labels": {"votes": 3},
         "author": {"name": "Ada", "email": null}, "score": null,
         "updated": "2026-12-06T13:05:00.250Z", "published": "2026-12-01", "price": 1234.50,
         "ref": "7c9e6679-7425-40de-944b-e07fc1f90ae7"}""").toString());
    assertThat(json.get("price").decimalValue()).as("the declared scale is kept").isEqualTo(new BigDecimal("1234.50"));
    assertThat(json.get("id").isIntegralNumber()).isTrue();
  }

  @Test
  void aUnionIsItsBranchUnwrappedNotAvroJsonEncodingsTypeWrapper() {
    GenericRecord withTitle = row(1, "Boiler", "x");
    withTitle.put("score", 0.5d);
    JsonNode json = AvroJson.toJson(withTitle);

    assertThat(json.get("title").asText()).isEqualTo("Boiler");
    assertThat(json.get("score").doubleValue()).isEqualTo(0.5d);
    assertThat(json.get("author").get("name").asText()).isEqualTo("Ada");
  }

  @Test
  void valuesTheReaderAlreadyConvertedRenderTheSame() {
    Schema timestamp = ROW.getField("updated").schema();
    Schema date = ROW.getField("published").schema(); // a union with null

    assertThat(AvroJson.toJson(UPDATED, timestamp).asText()).isEqualTo("2026-12-06T13:05:00.250Z");
    assertThat(AvroJson.toJson(UPDATED.toEpochMilli(), timestamp).asText()).isEqualTo("2026-12-06T13:05:00.250Z");
    assertThat(AvroJson.toJson(LocalDate.parse("2026-12-01"), date).asText()).isEqualTo("2026-12-01");
    assertThat(AvroJson.toJson(UUID.fromString("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        ROW.getField("ref").schema()).asText()).isEqualTo("7c9e6679-7425-40de-944b-e07fc1f90ae7");
  }

  @Test
  void primitiveKeysAreTheirValue() {
    assertThat(AvroJson.toJson(new Utf8("row-9")).asText()).isEqualTo("row-9");
    assertThat(AvroJson.toJson(42L).longValue()).isEqualTo(42L);
    assertThat(AvroJson.toJson(null).isNull()).isTrue();
  }

  @Test
  void aDatumThatDoesNotMatchItsSchemaFails() {
    assertThatThrownBy(() -> AvroJson.toJson(new Utf8("not a number"), Schema.create(Schema.Type.LONG)))
        .isInstanceOf(ClassCastException.class);
  }

  @Test
  void aDebeziumEnvelopeMapsThroughNestedPaths() throws Exception {
    RecordMapping mapping = RecordMapping.parse("id=$.after.id,text=$.after.body,title=$.after.title,"
        + "meta.op=$.op,meta.updated=$.after.updated,meta.author=$.after.author.name,meta.tags=$.after.tags",
        Format.AVRO, "acme", "shop.public.articles");
    GenericRecord event = new GenericRecordBuilder(ENVELOPE)
        .set("before", null).set("after", row(42, "Boiler", "The boiler rattles at night.")).set("op", new Utf8("c"))
        .build();

    IngestRequest request = mapping.mapDecoded(bytes("{\"id\":42}"), AvroJson.toJson(event));

    assertThat(request.getOperation()).isEqualTo(Operation.UPSERT);
    assertThat(request.getDocId()).isEqualTo("42");
    assertThat(request.getTenant()).isEqualTo("acme");
    assertThat(request.getMetadata()).containsEntry("op", "c").containsEntry("updated", "2026-12-06T13:05:00.250Z")
        .containsEntry("author", "Ada").containsEntry("tags", "boiler\nheating")
        .containsEntry("sourceTopic", "shop.public.articles");
    assertThat(StandardCharsets.UTF_8.decode(request.getContent()).toString())
        .contains("<title>Boiler</title>", "<p>The boiler rattles at night.</p>");
  }

  @Test
  void theSameMappingReadsTheSameRecordInJsonAndInAvro() throws Exception {
    String spec = "id=$.after.id,text=$.after.body,title=$.after.title,meta.status=$.after.status";
    GenericRecord event = new GenericRecordBuilder(ENVELOPE).set("after", row(7, "Gate", "The gate sticks."))
        .set("op", new Utf8("u")).build();
    JsonNode rendered = AvroJson.toJson(event);

    IngestRequest fromAvro = RecordMapping.parse(spec, Format.AVRO, null, "t").mapDecoded(null, rendered);
    IngestRequest fromJson = RecordMapping.parse(spec, Format.JSON, null, "t")
        .map(null, bytes(JSON.writeValueAsString(rendered)));

    fromJson.setIngestedAt(fromAvro.getIngestedAt()); // the clock's, not the mapping's
    assertThat(fromAvro).isEqualTo(fromJson);
    assertThat(fromAvro.getMetadata()).containsEntry("status", "PUBLISHED");
  }

  @Test
  void aDeleteEventWithoutAfterIsADeadLetterAndATombstoneADelete() throws Exception {
    RecordMapping mapping = RecordMapping.parse("id=$.after.id,text=$.after.body", Format.AVRO, null, "t");
    GenericRecord delete = new GenericRecordBuilder(ENVELOPE).set("before", row(7, null, "x")).set("after", null)
        .set("op", new Utf8("d")).build();

    // Debezium follows its delete event with a tombstone: the tombstone deletes, the event itself has no text
    assertThatThrownBy(() -> mapping.mapDecoded(bytes("{\"id\":7}"), AvroJson.toJson(delete)))
        .isInstanceOfSatisfying(MappingException.class, e -> assertThat(e.reason()).isEqualTo("missing_text"));
    IngestRequest tombstone = mapping.mapDecoded(bytes("{\"id\":7}"), null);
    assertThat(tombstone.getOperation()).isEqualTo(Operation.DELETE);
    assertThat(tombstone.getDocId()).as("the id path applied to the (rendered) key").isEqualTo("7");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
