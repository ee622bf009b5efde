package io.ragstream.ingest.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * An Avro datum (a {@code GenericRecord} as a registry deserializer returns it) as the JSON a person would write for
 * it, so that the topic source's JSONPath mapping reads an Avro record exactly as it reads the same record in JSON:
 * {@code text=$.after.body} works on a Debezium envelope in either encoding.
 *
 * <p>Not Avro's own JSON encoding ({@code JsonEncoder}): that wraps every non-null union value in its branch's name
 * ({@code {"body": {"string": "..."}}}), so every optional field would need a different path than in JSON. Nor
 * {@code GenericData.toString}, which is only JSON-like (bytes as {@code {"bytes": ...}}, no logical types). The
 * rules, type by type:
 *
 * <ul>
 *   <li>null, boolean, int, long, float, double: the JSON null, boolean or number;
 *   <li>string: a string; enum: its symbol;
 *   <li>record and map: an object (a record's fields in schema order); array: an array;
 *   <li>union: the value of the branch it holds, unwrapped;
 *   <li>bytes and fixed: base64 (as Jackson and Kafka Connect's JsonConverter write binary);
 *   <li>logical types, through Avro's own conversions ({@link TimeConversions}, {@link Conversions}): decimal as a
 *       number with its declared scale; uuid as a string; date {@code 2026-12-06}; time-millis/micros
 *       {@code 13:05:00.250}; timestamp-millis/micros/nanos an ISO-8601 instant {@code 2026-12-06T13:05:00Z};
 *       local-timestamp-* {@code 2026-12-06T13:05}. Values the reader has already converted are rendered the same.
 * </ul>
 */
public final class AvroJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  /** Only for its conversions and union resolution; never used to read or write records. */
  private static final GenericData MODEL = new GenericData();

  static {
    MODEL.addLogicalTypeConversion(new Conversions.DecimalConversion());
    MODEL.addLogicalTypeConversion(new Conversions.UUIDConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.DateConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimeMillisConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimeMicrosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimestampMicrosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.TimestampNanosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMillisConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampMicrosConversion());
    MODEL.addLogicalTypeConversion(new TimeConversions.LocalTimestampNanosConversion());
  }

  private AvroJson() {}

  /**
   * The datum as a JSON tree, in the schema it carries (a record, enum or fixed) or, for a primitive (a string or
   * number key), the schema Avro infers from its Java type.
   */
  public static JsonNode toJson(Object datum) {
    if (datum == null) {
      return NODES.nullNode();
    }
    return toJson(datum, datum instanceof GenericContainer container ? container.getSchema() : MODEL.induce(datum));
  }

  /**
   * The datum as a JSON tree.
   *
   * @param schema the datum's (writer) schema
   * @throws org.apache.avro.AvroRuntimeException or {@link ClassCastException} where the datum does not match it
   */
  public static JsonNode toJson(Object datum, Schema schema) {
    if (schema.getType() == Schema.Type.UNION) {
      return toJson(datum, schema.getTypes().get(MODEL.resolveUnion(schema, datum)));
    }
    if (datum == null) {
      return NODES.nullNode();
    }
    LogicalType logicalType = schema.getLogicalType();
    Conversion<?> conversion = logicalType == null ? null : MODEL.getConversionFor(logicalType);
    if (conversion != null) {
      Object value = conversion.getConvertedType().isInstance(datum) ? datum
          : Conversions.convertToLogicalType(datum, schema, logicalType, conversion);
      // BigDecimal keeps its scale (12.50 stays 12.50); the java.time types and UUID print as ISO-8601 / canonical
      return value instanceof BigDecimal decimal ? NODES.numberNode(decimal) : NODES.textNode(value.toString());
    }
    return switch (schema.getType()) {
      case RECORD -> {
        IndexedRecord record = (IndexedRecord) datum;
        ObjectNode object = NODES.objectNode();
        for (Schema.Field field : schema.getFields()) {
          object.set(field.name(), toJson(record.get(field.pos()), field.schema()));
        }
        yield object;
      }
      case MAP -> {
        ObjectNode object = NODES.objectNode();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) datum).entrySet()) {
          object.set(entry.getKey().toString(), toJson(entry.getValue(), schema.getValueType()));
        }
        yield object;
      }
      case ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        for (Object element : (Collection<?>) datum) {
          array.add(toJson(element, schema.getElementType()));
        }
        yield array;
      }
      case STRING, ENUM -> NODES.textNode(datum.toString()); // Utf8, String, GenericEnumSymbol
      case BYTES -> NODES.textNode(base64((ByteBuffer) datum));
      case FIXED -> NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) datum).bytes()));
      case INT -> NODES.numberNode(((Number) datum).intValue());
      case LONG -> NODES.numberNode(((Number) datum).longValue());
      case FLOAT -> NODES.numberNode(((Number) datum).floatValue());
      case DOUBLE -> NODES.numberNode(((Number) datum).doubleValue());
      case BOOLEAN -> NODES.booleanNode((Boolean) datum);
      case NULL -> NODES.nullNode();
      case UNION -> throw new IllegalStateException("unions are resolved above");
    };
  }

  private static String base64(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate(); // the record's buffer keeps its position
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
