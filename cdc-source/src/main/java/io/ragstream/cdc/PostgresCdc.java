package io.ragstream.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.avro.IngestRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a PostgreSQL table's rows as documents with Debezium's embedded engine: a snapshot of the existing rows
 * first, then every insert, update and delete from the logical replication slot ({@code pgoutput}, built into
 * PostgreSQL 10+). One document per row, docId {@code SCHEMA.TABLE/<id>}.
 *
 * <p>Offsets live in a Kafka topic ({@code <prefix>cdc-offsets}, Connect's {@code KafkaOffsetBackingStore}), and an
 * offset is marked processed only after the batch's IngestRequests are acknowledged: a restart resumes after the last
 * published change, neither re-publishing the snapshot nor missing what changed while it was down (the replication
 * slot keeps the WAL for it). The PostgreSQL connector keeps no schema history (the relation's shape travels with
 * each pgoutput message), so there is no history topic.
 *
 * <p>An update whose mapped columns did not change is not published: compared with the row's {@code before} image
 * where the table has {@code REPLICA IDENTITY FULL}, else with a hash of what this process last published for the
 * row (after a restart, the first such update re-publishes once; identical content is a no-op downstream).
 *
 * <p>Metrics, besides the publisher's {@code ragstream_source_documents_total{source="cdc"}}:
 * {@code ragstream_source_behind_seconds{source="cdc"}}, from the last published change's commit in PostgreSQL
 * (its {@code source.ts_ms}) to its acknowledged publish, the equivalent of Debezium's
 * {@code MilliSecondsBehindSource} (snapshot rows count from when they were read); and
 * {@code ragstream_source_unchanged_total{source="cdc"}}, updates that changed only unmapped columns.
 */
public final class PostgresCdc implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresCdc.class);

  /** What to stream and how a row becomes a document; validated when built. */
  public record Settings(String host, int port, String database, String user, String password, String table,
      String idColumn, List<String> textColumns, String titleColumn, String tenantColumn, List<String> metaColumns,
      String tenant) {
    public Settings {
      Objects.requireNonNull(host, "--host");
      Objects.requireNonNull(database, "--database");
      Objects.requireNonNull(user, "--user");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("--port must be 1..65535, was " + port);
      }
      if (table == null || !table.matches("[A-Za-z_][A-Za-z0-9_$]*\\.[A-Za-z_][A-Za-z0-9_$]*")) {
        throw new IllegalArgumentException("--table must be SCHEMA.TABLE, was " + table);
      }
      if (idColumn == null || idColumn.isBlank()) {
        throw new IllegalArgumentException("--id-column is required");
      }
      if (textColumns == null || textColumns.isEmpty()) {
        throw new IllegalArgumentException("--text-columns must name at least one column");
      }
      textColumns = List.copyOf(textColumns);
      metaColumns = metaColumns == null ? List.of() : List.copyOf(metaColumns);
      tenant = tenant == null ? "default" : tenant;
    }

    /** The replication slot and publication name: one per table, so two tables stream independently. */
    String slot() {
      return "ragstream_" + table.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    List<String> mappedColumns() {
      List<String> columns = new ArrayList<>();
      columns.add(idColumn);
      columns.addAll(textColumns);
      if (titleColumn != null) {
        columns.add(titleColumn);
      }
      if (tenantColumn != null) {
        columns.add(tenantColumn);
      }
      columns.addAll(metaColumns);
      return columns;
    }
  }

  private final Settings settings;
  private final DocumentPublisher publisher;
  private final Consumer<String> out;
  private final DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine;
  /** By {@link DocumentKey#encoded()}: the hash of the mapped columns this process last published. */
  private final Map<String, String> lastPublished = new ConcurrentHashMap<>();
  /** docId to the tenant this process last published it to: where a later delete without the column goes. */
  private final Map<String, String> tenants = new ConcurrentHashMap<>();
  /** Milliseconds from the last published change's commit to its publish; -1 until one was published. */
  private final AtomicLong behindMillis = new AtomicLong(-1);
  private final MeterRegistry metrics;
  private final Gauge behind;
  private final Counter unchanged;

  public PostgresCdc(Settings settings, KafkaSettings kafka, DocumentPublisher publisher, Consumer<String> out) {
    this(settings, kafka, publisher, out, Metrics.registry());
  }

  public PostgresCdc(Settings settings, KafkaSettings kafka, DocumentPublisher publisher, Consumer<String> out,
      MeterRegistry metrics) {
    this.settings = settings;
    this.publisher = publisher;
    this.out = out;
    this.metrics = metrics;
    this.behind = Gauge.builder("ragstream.source.behind.seconds", behindMillis,
            m -> m.get() < 0 ? -1 : m.get() / 1000.0)
        .description("from the last published change's commit at the source to its publish (-1: none yet)")
        .tags("source", publisher.source(), "table", settings.table()).register(metrics);
    this.unchanged = Counter.builder("ragstream.source.unchanged")
        .description("changes a source saw that left the document as it was (a touch, unmapped columns)")
        .tag("source", publisher.source()).register(metrics);
    this.engine = DebeziumEngine.create(Connect.class).using(properties(settings, kafka))
        .notifying(this::handleBatch)
        .using((success, message, error) -> {
          if (!success) {
            LOG.error("the change capture engine stopped: {}", message, error);
          }
        })
        .build();
  }

  static Properties properties(Settings settings, KafkaSettings kafka) {
    Properties p = new Properties();
    p.setProperty("name", "ragstream-cdc-" + settings.slot());
    p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    p.setProperty("plugin.name", "pgoutput");
    p.setProperty("slot.name", settings.slot());
    p.setProperty("publication.name", settings.slot());
    p.setProperty("publication.autocreate.mode", "filtered");
    p.setProperty("database.hostname", settings.host());
    p.setProperty("database.port", Integer.toString(settings.port()));
    p.setProperty("database.user", settings.user());
    if (settings.password() != null) {
      p.setProperty("database.password", settings.password());
    }
    p.setProperty("database.dbname", settings.database());
    p.setProperty("topic.prefix", "ragstream-cdc");
    p.setProperty("table.include.list", settings.table());
    p.setProperty("snapshot.mode", "initial");
    p.setProperty("decimal.handling.mode", "string");
    p.setProperty("tombstones.on.delete", "false");
    p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
    p.setProperty("offset.storage.topic", kafka.topicPrefix() + "cdc-offsets");
    p.setProperty("offset.storage.partitions", "1");
    p.setProperty("offset.storage.replication.factor", "1");
    p.setProperty("offset.flush.interval.ms", "1000");
    p.setProperty("bootstrap.servers", kafka.bootstrap());
    kafka.clientOverrides().forEach(p::setProperty);
    return p;
  }

  private void handleBatch(List<ChangeEvent<SourceRecord, SourceRecord>> events,
      DebeziumEngine.RecordCommitter<ChangeEvent<SourceRecord, SourceRecord>> committer)
      throws InterruptedException {
    List<SourceRecord> records = events.stream().map(ChangeEvent::value).toList();
    // last change per row wins within a batch, in order
    Map<String, IngestRequest> requests = new LinkedHashMap<>();
    Map<String, String> hashes = new HashMap<>();
    long committedAt = -1;
    for (SourceRecord record : records) {
      if (record == null || !(record.value() instanceof Struct envelope) || envelope.schema().field("op") == null) {
        continue; // heartbeats and other non-row records
      }
      String op = envelope.getString("op");
      Struct before = envelope.getStruct("before");
      Struct after = envelope.getStruct("after");
      if ("d".equals(op)) {
        Struct row = before != null ? before : (Struct) record.key();
        String docId = docId(row);
        String key = DocumentKey.encode(deletedTenant(row, docId), docId);
        requests.remove(key);
        requests.put(key, DocumentPublisher.deleteRequest(docId, DocumentKey.parse(key).tenant()));
        hashes.put(key, null);
        committedAt = Math.max(committedAt, sourceMillis(envelope));
        continue;
      }
      if (after == null) {
        continue;
      }
      String docId = docId(after);
      String tenant = tenantOf(after);
      String key = DocumentKey.encode(tenant, docId);
      String hash = mappedValues(after);
      if ("u".equals(op) && (before != null && hash.equals(mappedValues(before))
          || hash.equals(lastPublished.get(key)))) {
        unchanged.increment();
        continue; // only columns outside the mapping changed
      }
      // A document is (tenant, docId): a row whose tenant column changed is the old tenant's document deleted and
      // the new tenant's published, never the old one moved.
      String previousTenant = before != null && "u".equals(op) ? tenantOf(before) : tenants.get(docId);
      if (previousTenant != null && !previousTenant.equals(tenant)) {
        String previousKey = DocumentKey.encode(previousTenant, docId);
        requests.remove(previousKey);
        requests.put(previousKey, DocumentPublisher.deleteRequest(docId, previousTenant));
        hashes.put(previousKey, null);
      }
      requests.remove(key);
      requests.put(key, document(docId, after));
      hashes.put(key, hash);
      committedAt = Math.max(committedAt, sourceMillis(envelope));
    }
    if (!requests.isEmpty()) {
      publisher.send(new ArrayList<>(requests.values()));
      if (committedAt >= 0) {
        behindMillis.set(Math.max(0, System.currentTimeMillis() - committedAt));
      }
      hashes.forEach((key, hash) -> {
        DocumentKey document = DocumentKey.parse(key);
        if (hash == null) {
          lastPublished.remove(key);
          tenants.remove(document.docId(), document.tenant());
        } else {
          lastPublished.put(key, hash);
          tenants.put(document.docId(), document.tenant());
        }
      });
      requests.values().forEach(r -> out.accept((r.getOperation() == io.ragstream.schemas.avro.Operation.DELETE
          ? "deleted " : "published ") + r.getDocId()));
    }
    for (ChangeEvent<SourceRecord, SourceRecord> event : events) {
      committer.markProcessed(event);
    }
    committer.markBatchFinished();
  }

  /** The change's commit time at the source ({@code source.ts_ms} of Debezium's envelope), or -1 when absent. */
  private static long sourceMillis(Struct envelope) {
    if (envelope.schema().field("source") == null || envelope.getStruct("source") == null) {
      return -1;
    }
    Struct source = envelope.getStruct("source");
    Object millis = source.schema().field("ts_ms") == null ? null : source.get("ts_ms");
    return millis instanceof Long value ? value : -1;
  }

  private String docId(Struct row) {
    return settings.table() + "/" + text(row, settings.idColumn());
  }

  /**
   * The tenant of a deleted row: its tenant column where the delete carries it (REPLICA IDENTITY FULL), else the
   * tenant this process last published the row to, else the configured one.
   */
  private String deletedTenant(Struct row, String docId) {
    String column = settings.tenantColumn();
    String tenant = column == null || row.schema().field(column) == null ? null : text(row, column);
    if (tenant != null && !tenant.isBlank()) {
      return tenant;
    }
    return column == null ? settings.tenant() : tenants.getOrDefault(docId, settings.tenant());
  }

  private String tenantOf(Struct row) {
    String tenant = settings.tenantColumn() == null ? null : text(row, settings.tenantColumn());
    return tenant == null || tenant.isBlank() ? settings.tenant() : tenant;
  }

  private IngestRequest document(String docId, Struct row) {
    List<String> texts = new ArrayList<>();
    for (String column : settings.textColumns()) {
      String value = text(row, column);
      if (value != null) {
        texts.add(value);
      }
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("table", settings.table());
    for (String column : settings.metaColumns()) {
      String value = text(row, column);
      if (value != null) {
        metadata.put(column, value);
      }
    }
    String title = settings.titleColumn() == null ? null : text(row, settings.titleColumn());
    return DocumentPublisher.textDocument(docId, tenantOf(row), title, texts, metadata, docId);
  }

  private String mappedValues(Struct row) {
    StringBuilder values = new StringBuilder();
    for (String column : settings.mappedColumns()) {
      String value = text(row, column);
      values.append(value == null ? -1 : value.length()).append(':').append(value).append('\n');
    }
    return values.toString();
  }

  private static String text(Struct row, String column) {
    Field field = row.schema().field(column);
    if (field == null) {
      throw new IllegalArgumentException("the row has no column '" + column + "' (columns: "
          + row.schema().fields().stream().map(Field::name).toList() + ")");
    }
    Object value = row.get(field);
    return value == null ? null : value.toString();
  }

  /** Runs the engine until {@link #close}: snapshot first, then the stream. */
  @Override
  public void run() {
    engine.run();
  }

  @Override
  public void close() throws IOException {
    metrics.remove(behind);
    engine.close();
  }
}
