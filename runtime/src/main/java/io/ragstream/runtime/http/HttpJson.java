package io.ragstream.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The JSON mapper of the HTTP APIs and the client-facing wording of its errors.
 *
 * <p>Request binding is strict, like Elasticsearch's: unknown fields, {@code "5"} for a number, {@code 5} for a
 * string and trailing garbage are rejected rather than guessed at, so a typo ({@code "querry"}) or a wrong type is a
 * 400 that names the field instead of a silently ignored parameter.
 */
public final class HttpJson {
  private static final ObjectMapper MAPPER = strictMapper();

  private HttpJson() {}

  /** The shared, thread-safe mapper. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** A message for the client that says what is wrong and where, without Java class names or source excerpts. */
  public static String describe(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '" + fieldPath(u) + "'";
    }
    if (e instanceof MismatchedInputException m) {
      String path = fieldPath(m);
      if (path.isEmpty()) {
        String original = m.getOriginalMessage();
        if (original.startsWith("No content")) {
          return "request body is empty";
        }
        if (original.startsWith("Trailing token")) {
          return "malformed JSON: unexpected content after the top-level value";
        }
        return "request body must be " + typeName(m.getTargetType());
      }
      return "field '" + path + "' must be " + typeName(m.getTargetType());
    }
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      // e.g. a number out of range of int
      return "field '" + fieldPath(m) + "' is invalid: " + m.getOriginalMessage();
    }
    return "malformed JSON: " + e.getOriginalMessage();
  }

  private static ObjectMapper strictMapper() {
    ObjectMapper mapper = JsonMapper.builder()
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .build();
    // ALLOW_COERCION_OF_SCALARS leaves number/boolean -> String coercion on; a string field gets a string or fails
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  private static String fieldPath(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static String typeName(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (CharSequence.class.isAssignableFrom(type)) {
      return "a string";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "a boolean";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "of another type";
  }
}
