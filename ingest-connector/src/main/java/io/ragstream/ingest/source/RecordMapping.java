package io.ragstream.ingest.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import io.ragstream.schemas.avro.IngestRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the records of an existing topic become documents: a declared mapping from record fields to a document's id,
 * text, title, tenant and metadata. Pure (no Kafka client), so the source's runner only polls, publishes and commits.
 *
 * <p>The mapping is {@code id=$.id,text=$.body,title=$.title,tenant=$.org,meta.region=$.region}: each value a
 * JSONPath (Jayway json-path) into the record's value. {@code text} may be given more than once (each becomes a
 * paragraph). For {@code string} records the value itself is the text and the record key the id. For {@code avro}
 * records (a schema registry's) the paths apply to the value's JSON rendering ({@link AvroJson}), so the same
 * mapping reads the same record in either encoding.
 *
 * <p>Identity: a record's docId is its {@code id} path's value; where it has none, the record key (as UTF-8 text).
 * A tombstone (null value) deletes the document its key names: the {@code id} path applied to the key when the key is
 * JSON that has it (a Kafka Connect key such as {@code {"id":42}} with {@code id=$.id}); where it has not, the key's
 * field named like the path's last segment (Debezium: values {@code {"after":{"id":42,...}}} mapped with
 * {@code id=$.after.id}, keys {@code {"id":42}}); else the key's text. So the upserts and tombstones of one topic
 * address the same documents.
 */
public final class RecordMapping {

  /**
   * How the record values are encoded. {@code AVRO}: written with a schema registry's serializer; the source decodes
   * them ({@link RegistryAvroDecoder}) and hands the mapping their JSON rendering
   * ({@link #mapDecoded(byte[], JsonNode)}).
   */
  public enum Format {
    JSON, STRING, AVRO;

    public static Format parse(String value) {
      try {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--format must be json, avro or string, was '" + value + "'");
      }
    }
  }

  /** A record that cannot become a document; its message names the field and the problem. */
  public static final class MappingException extends Exception {
    private final String reason;

    MappingException(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    MappingException(String reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }

    /** The dead-letter reason, snake_case like the extract stage's. */
    public String reason() {
      return reason;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** The last segment of a compiled path, which Jayway prints as {@code $['after']['id']}. */
  private static final Pattern LAST_PROPERTY = Pattern.compile("\\['([^']+)'\\]$");
  private static final Configuration JSON_PATH = Configuration.builder()
      .jsonProvider(new JacksonJsonNodeJsonProvider(JSON)).mappingProvider(new JacksonMappingProvider(JSON)).build();

  private final Format format;
  private final JsonPath id;
  /** The id path's last property name ({@code id} of {@code $.after.id}): the key field a tombstone falls back to. */
  private final String idKeyField;
  private final List<JsonPath> texts;
  private final JsonPath title;
  private final JsonPath tenant;
  private final Map<String, JsonPath> meta;
  private final String defaultTenant;
  private final String sourceTopic;

  private RecordMapping(Format format, JsonPath id, List<JsonPath> texts, JsonPath title, JsonPath tenant,
      Map<String, JsonPath> meta, String defaultTenant, String sourceTopic) {
    this.format = format;
    this.id = id;
    Matcher last = id == null ? null : LAST_PROPERTY.matcher(id.getPath());
    this.idKeyField = last != null && last.find() ? last.group(1) : null;
    this.texts = texts;
    this.title = title;
    this.tenant = tenant;
    this.meta = meta;
    this.defaultTenant = defaultTenant;
    this.sourceTopic = sourceTopic;
  }

  /**
   * Parses and validates a mapping, so a typo stops the command before it consumes anything.
   *
   * @param spec {@code name=$.path} pairs separated by commas; may be empty for {@code string}
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static RecordMapping parse(String spec, Format format, String defaultTenant, String sourceTopic) {
    Objects.requireNonNull(format, "format");
    JsonPath id = null;
    JsonPath title = null;
    JsonPath tenant = null;
    List<JsonPath> texts = new ArrayList<>();
    Map<String, JsonPath> meta = new LinkedHashMap<>();
    for (String part : spec == null ? new String[0] : spec.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq <= 0 || eq == part.length() - 1) {
        throw new IllegalArgumentException("--map: '" + part.strip() + "' is not name=$.path");
      }
      String name = part.substring(0, eq).strip();
      JsonPath path = compile(name, part.substring(eq + 1).strip());
      switch (name) {
        case "id" -> id = path;
        case "text" -> texts.add(path);
        case "title" -> title = path;
        case "tenant" -> tenant = path;
        default -> {
          if (!name.startsWith("meta.") || name.length() == "meta.".length()) {
            throw new IllegalArgumentException("--map: unknown field '" + name
                + "' (id, text, title, tenant or meta.NAME)");
          }
          meta.put(name.substring("meta.".length()), path);
        }
      }
    }
    if (format != Format.STRING && texts.isEmpty()) {
      throw new IllegalArgumentException("--map must name the text of " + (format == Format.AVRO ? "an Avro"
          : "a JSON") + " record, e.g. text=$.body");
    }
    if (format == Format.STRING && (!texts.isEmpty() || title != null || tenant != null || !meta.isEmpty())) {
      throw new IllegalArgumentException("--format string takes the whole value as the text and the key as the id;"
          + " --map applies to json and avro records only");
    }
    return new RecordMapping(format, id, List.copyOf(texts), title, tenant, Map.copyOf(meta),
        defaultTenant == null ? "default" : defaultTenant, sourceTopic);
  }

  /** How the source's records are encoded. */
  public Format format() {
    return format;
  }

  private static JsonPath compile(String name, String expression) {
    try {
      return JsonPath.compile(expression);
    } catch (InvalidPathException | IllegalArgumentException e) {
      throw new IllegalArgumentException("--map: " + name + "=" + expression + " is not a JSONPath: "
          + e.getMessage(), e);
    }
  }

  /**
   * The request a record becomes: an upsert of its document, or a delete for a tombstone. For {@code json} and
   * {@code string} records; {@code avro} ones are decoded by the source first ({@link #mapDecoded(byte[], JsonNode)}).
   */
  public IngestRequest map(byte[] key, byte[] value) throws MappingException {
    if (format == Format.AVRO) {
      throw new IllegalStateException("avro values are decoded by the source: mapDecoded(key, JsonNode)");
    }
    if (value == null) {
      String docId = tombstoneId(key);
      return DocumentPublisher.deleteRequest(docId, defaultTenant);
    }
    String text = utf8(value, "value");
    if (format == Format.STRING) {
      if (key == null) {
        throw new MappingException("missing_id", "a string record needs a key: it is the document's id");
      }
      if (text.isBlank()) {
        throw new MappingException("empty", "the record's value is blank");
      }
      return DocumentPublisher.textDocument(utf8(key, "key"), defaultTenant, null, List.of(text),
          Map.of("sourceTopic", sourceTopic), sourceTopic);
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (IOException e) {
      throw new MappingException("undecodable", "the record's value is not JSON: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new MappingException("undecodable", "the record's value is empty, not JSON");
    }
    return mapTree(key, root);
  }

  /**
   * The request a decoded record becomes (an Avro value rendered as JSON by {@link AvroJson}): the same JSONPath
   * mapping as a JSON record's, so a mapping means the same on either encoding.
   *
   * @param value the value's JSON, or null for a tombstone
   */
  public IngestRequest mapDecoded(byte[] key, JsonNode value) throws MappingException {
    if (format == Format.STRING) {
      throw new IllegalStateException("string records are mapped from their bytes: map(key, byte[])");
    }
    if (value == null) {
      return DocumentPublisher.deleteRequest(tombstoneId(key), defaultTenant);
    }
    return mapTree(key, value);
  }

  private IngestRequest mapTree(byte[] key, JsonNode root) throws MappingException {
    String docId = id == null ? null : scalar(root, id, "id");
    if (docId == null) {
      if (key == null) {
        throw new MappingException("missing_id", id == null ? "the record has no key and --map names no id"
            : "the record has no key and no value at " + id.getPath());
      }
      docId = utf8(key, "key");
    }
    List<String> paragraphs = new ArrayList<>();
    for (JsonPath path : texts) {
      String paragraph = scalar(root, path, "text");
      if (paragraph != null && !paragraph.isBlank()) {
        paragraphs.add(paragraph);
      }
    }
    if (paragraphs.isEmpty()) {
      throw new MappingException("missing_text", "no text at " + texts.stream().map(JsonPath::getPath).toList()
          + " in the record of document " + docId);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("sourceTopic", sourceTopic);
    for (Map.Entry<String, JsonPath> entry : meta.entrySet()) {
      String found = scalar(root, entry.getValue(), "meta." + entry.getKey());
      if (found != null) {
        metadata.put(entry.getKey(), found);
      }
    }
    String tenantValue = tenant == null ? null : scalar(root, tenant, "tenant");
    return DocumentPublisher.textDocument(docId, tenantValue == null ? defaultTenant : tenantValue,
        title == null ? null : scalar(root, title, "title"), paragraphs, metadata, sourceTopic);
  }

  private String tombstoneId(byte[] key) throws MappingException {
    if (key == null) {
      throw new MappingException("missing_key", "a tombstone without a key names no document to delete");
    }
    String text = utf8(key, "key");
    if (id != null && format != Format.STRING) {
      try {
        JsonNode keyJson = JSON.readTree(text);
        if (keyJson != null && keyJson.isContainerNode()) {
          String found = scalar(keyJson, id, "id");
          if (found == null && idKeyField != null && keyJson.isObject()) {
            // id=$.after.id on a Debezium envelope: its key is {"id":42}, the row's key columns at the top
            JsonNode field = keyJson.get(idKeyField);
            found = field == null || field.isNull() || !field.isValueNode() ? null : field.asText();
          }
          if (found != null) {
            return found;
          }
        }
      } catch (IOException notJson) {
        // a plain-text key is the id itself
      }
    }
    return text;
  }

  /** The path's value as text (a JSON object or array as its JSON), or null where the record lacks it. */
  private static String scalar(JsonNode root, JsonPath path, String field) throws MappingException {
    JsonNode found;
    try {
      found = JsonPath.using(JSON_PATH).parse(root).read(path);
    } catch (PathNotFoundException e) {
      return null;
    } catch (RuntimeException e) {
      throw new MappingException("mapping_failed", field + "=" + path.getPath() + ": " + e.getMessage(), e);
    }
    if (found == null || found.isNull() || found.isMissingNode()) {
      return null;
    }
    if (found.isArray() && found.size() > 0 && allValues(found)) {
      List<String> values = new ArrayList<>();
      found.forEach(v -> values.add(v.asText()));
      return String.join("\n", values);
    }
    return found.isValueNode() ? found.asText() : found.toString();
  }

  private static boolean allValues(JsonNode array) {
    for (JsonNode element : array) {
      if (!element.isValueNode()) {
        return false;
      }
    }
    return true;
  }

  private static String utf8(byte[] bytes, String what) throws MappingException {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new MappingException("undecodable", "the record's " + what + " is not UTF-8 text", e);
    }
  }
}
