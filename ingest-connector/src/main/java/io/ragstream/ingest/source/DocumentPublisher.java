package io.ragstream.ingest.source;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.InputLimits;
import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Priority;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Publishes IngestRequests: the one place where files, HTTP uploads and deletes become records on the ingest topic.
 * Every send is acknowledged before the call returns, so a caller that got an answer knows the request is durable.
 */
public final class DocumentPublisher implements AutoCloseable {
  /** Files up to this size travel inline; larger ones by {@code file:} reference (the extract stage reads them). */
  public static final long INLINE_LIMIT_BYTES = 8L * 1024 * 1024;

  private final Serializer<IngestRequest> requestValues;

  /** The source label of the publishers the launcher names by client id; any other id is its own label. */
  private static final Map<String, String> SOURCES = Map.of("ragstream-ingest-http", "upload",
      "ragstream-cli", "publish", "ragstream-watch", "watch");

  /**
   * When each source label last had a request acknowledged, in epoch milliseconds: per process rather than per
   * publisher, so that the gauge answers for the source whichever of its publishers sent last.
   */
  private static final Map<String, AtomicLong> LAST_PUBLISHED = new ConcurrentHashMap<>();

  private final String topic;
  private final CheckedProducer<byte[], byte[]> producer;
  private final String source;
  private final MeterRegistry metrics;
  private final AtomicLong lastPublished;

  /** A publisher whose metrics are labelled by {@code clientId} (the launcher's ids map to upload, publish, watch). */
  public DocumentPublisher(KafkaSettings kafka, String clientId) {
    this(kafka, clientId, SOURCES.getOrDefault(clientId, clientId.replaceFirst("^ragstream-", "")),
        Metrics.registry());
  }

  /**
   * @param source the label of this source in {@code ragstream_source_documents_total{source=...,operation=...}},
   *     {@code ragstream_source_failures_total{source=...}} and {@code
   *     ragstream_source_last_published_timestamp_seconds{source=...}} (0 until its first acknowledged request; the
   *     age of its last event is {@code time() -} that): every source counts what it published the same way
   */
  public DocumentPublisher(KafkaSettings kafka, String clientId, String source, MeterRegistry metrics) {
    this.topic = Topics.INGEST.name(kafka.topicPrefix());
    this.requestValues = kafka.valueSerde(Topics.INGEST).serializer();
    this.producer = new CheckedProducer<>(new KafkaProducer<>(kafka.producer(clientId)), Duration.ofSeconds(60));
    this.source = source;
    this.metrics = metrics;
    this.lastPublished = LAST_PUBLISHED.computeIfAbsent(source, s -> new AtomicLong());
    Gauge.builder("ragstream.source.last.published.timestamp.seconds", lastPublished, a -> a.get() / 1000.0)
        .description("when the source last had a document request acknowledged by Kafka (Unix time; 0: never)")
        .tag("source", source).register(metrics);
  }

  /** The source label this publisher counts under. */
  public String source() {
    return source;
  }

  /**
   * A document made of text fields (a database row, a JSON record): rendered as a small HTML page so that the title
   * travels as the page title and each field as its own paragraph through the ordinary extract stage.
   */
  public static IngestRequest textDocument(String docId, String tenant, String title, List<String> texts,
      Map<String, String> metadata, String sourceName) {
    StringBuilder html = new StringBuilder("<html><head>");
    if (title != null && !title.isBlank()) {
      html.append("<title>").append(escape(title)).append("</title>");
    }
    html.append("</head><body>");
    for (String text : texts) {
      if (text != null && !text.isBlank()) {
        html.append("<p>").append(escape(text)).append("</p>");
      }
    }
    html.append("</body></html>");
    return base(docId, tenant, Operation.UPSERT).setContentType("text/html").setSourceName(sourceName)
        .setContent(ByteBuffer.wrap(html.toString().getBytes(StandardCharsets.UTF_8))).setMetadata(metadata).build();
  }

  /** A delete of one document. */
  public static IngestRequest deleteRequest(String docId, String tenant) {
    return base(docId, tenant, Operation.DELETE).build();
  }

  /** Publishes requests built elsewhere ({@link #textDocument}, {@link #deleteRequest}), all acknowledged on return. */
  public List<Published> send(List<IngestRequest> requests) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(requests.size());
    for (IngestRequest request : requests) {
      records.add(record(request));
    }
    List<RecordMetadata> acks = sendCounted(records, requests);
    List<Published> published = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      published.add(new Published(requests.get(i).getDocId(), null, acks.get(i).partition(), acks.get(i).offset()));
    }
    return published;
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Sends and counts: acknowledged requests per operation, or one failure per request of a batch that failed. */
  private List<RecordMetadata> sendCounted(List<ProducerRecord<byte[], byte[]>> records,
      List<IngestRequest> requests) {
    List<RecordMetadata> acks;
    try {
      acks = producer.sendAll(records);
    } catch (RuntimeException e) {
      metrics.counter("ragstream.source.failures", "source", source).increment(requests.size());
      throw e;
    }
    for (IngestRequest request : requests) {
      metrics.counter("ragstream.source.documents", "source", source, "operation",
          request.getOperation().name().toLowerCase(java.util.Locale.ROOT)).increment();
    }
    if (!requests.isEmpty()) {
      lastPublished.set(System.currentTimeMillis());
    }
    return acks;
  }

  /** A published document: its id and where the request landed. */
  public record Published(String docId, Path file, int partition, long offset) {}

  /** Publishes inline content (an HTTP upload). */
  public Published publish(String docId, String tenant, String contentType, String sourceName, byte[] content,
      Map<String, String> metadata) {
    return publish(docId, tenant, contentType, sourceName, content, metadata, List.of());
  }

  /** Publishes inline content visible only to the principals of {@code acl} (empty: the whole tenant). */
  public Published publish(String docId, String tenant, String contentType, String sourceName, byte[] content,
      Map<String, String> metadata, List<String> acl) {
    return publish(docId, tenant, contentType, sourceName, content, metadata, acl, false);
  }

  /**
   * Publishes inline content; {@code live}: in the live lane ({@link Priority}), for a single document someone is
   * waiting for (an HTTP upload), which the stages then serve ahead of bulk work.
   */
  public Published publish(String docId, String tenant, String contentType, String sourceName, byte[] content,
      Map<String, String> metadata, List<String> acl, boolean live) {
    IngestRequest request = base(docId, tenant, Operation.UPSERT).setContentType(contentType)
        .setSourceName(InputLimits.name(sourceName)).setContent(ByteBuffer.wrap(content))
        .setMetadata(InputLimits.metadata(metadata)).setAcl(new ArrayList<>(InputLimits.acl(acl))).build();
    ProducerRecord<byte[], byte[]> record = record(request);
    if (live) {
      Priority.markLive(record.headers());
    }
    RecordMetadata ack = sendCounted(List.of(record), List.of(request)).getFirst();
    return new Published(docId, null, ack.partition(), ack.offset());
  }

  /**
   * Publishes files; directories are walked recursively (hidden files skipped). The docId of a file is its absolute,
   * normalised path unless {@code id} is given (only allowed for a single file).
   */
  public List<Published> publishPaths(List<Path> paths, String tenant, String id) throws IOException {
    return publishPaths(paths, tenant, id, Map.of());
  }

  /**
   * Publishes files with {@code metadata} on each (e.g. {@code publish --meta team=red}); a file's {@code path} entry
   * is added unless {@code metadata} names its own.
   */
  public List<Published> publishPaths(List<Path> paths, String tenant, String id, Map<String, String> metadata)
      throws IOException {
    return publishPaths(paths, tenant, id, metadata, List.of());
  }

  /** As {@link #publishPaths(List, String, String, Map)}, each file visible only to {@code acl} (empty: everyone). */
  public List<Published> publishPaths(List<Path> paths, String tenant, String id, Map<String, String> metadata,
      List<String> acl) throws IOException {
    List<String> checkedAcl = InputLimits.acl(acl);
    List<Path> files = new ArrayList<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new IOException(path + ": no such file or directory");
      }
      if (Files.isDirectory(path)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
              .sorted().forEach(files::add);
        }
      } else {
        files.add(path);
      }
    }
    if (id != null && files.size() != 1) {
      throw new IllegalArgumentException("--id names one document, but " + files.size() + " files were given");
    }
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    List<IngestRequest> requests = new ArrayList<>();
    for (Path file : files) {
      Path absolute = file.toAbsolutePath().normalize();
      String docId = id != null ? id : absolute.toString();
      Map<String, String> fileMetadata = new java.util.LinkedHashMap<>();
      fileMetadata.put("path", absolute.toString());
      fileMetadata.putAll(metadata);
      IngestRequest.Builder request;
      try {
        request = base(docId, tenant, Operation.UPSERT)
            .setSourceName(InputLimits.name(absolute.getFileName().toString()))
            .setContentType(Files.probeContentType(absolute)).setMetadata(InputLimits.metadata(fileMetadata))
            .setAcl(new ArrayList<>(checkedAcl));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(InputLimits.printable(absolute.toString()) + ": " + e.getMessage(), e);
      }
      long size = Files.size(absolute);
      if (size <= INLINE_LIMIT_BYTES) {
        request.setContent(ByteBuffer.wrap(readFile(absolute)));
      } else {
        request.setReference(absolute.toUri().toString());
      }
      requests.add(request.build());
      records.add(record(request.build()));
    }
    List<RecordMetadata> acks = sendCounted(records, requests);
    List<Published> published = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      published.add(new Published(requests.get(i).getDocId(), files.get(i), acks.get(i).partition(),
          acks.get(i).offset()));
    }
    return published;
  }

  /** Publishes a delete of each document. */
  public List<Published> delete(List<String> docIds, String tenant) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    List<IngestRequest> requests = new ArrayList<>();
    for (String docId : docIds) {
      requests.add(base(docId, tenant, Operation.DELETE).build());
      records.add(record(requests.getLast()));
    }
    List<RecordMetadata> acks = sendCounted(records, requests);
    List<Published> published = new ArrayList<>();
    for (int i = 0; i < docIds.size(); i++) {
      published.add(new Published(docIds.get(i), null, acks.get(i).partition(), acks.get(i).offset()));
    }
    return published;
  }

  /** Every way in (HTTP, CLI, tests) passes the edge limits here: an id no stage can key or log is refused. */
  private static IngestRequest.Builder base(String docId, String tenant, Operation operation) {
    InputLimits.docId(docId);
    return IngestRequest.newBuilder().setDocId(docId).setTenant(tenant == null ? "default" : InputLimits.tenant(tenant))
        .setOperation(operation).setIngestedAt(Instant.now());
  }

  private RecordMetadata send(IngestRequest request) {
    return sendCounted(List.of(record(request)), List.of(request)).getFirst();
  }

  private ProducerRecord<byte[], byte[]> record(IngestRequest request) {
    // Keyed by (tenant, docId): another tenant's request for the same docId is another document's.
    return new ProducerRecord<>(topic, DocumentKey.of(request.getTenant(), request.getDocId()).bytes(),
        requestValues.serialize(topic, request));
  }

  private static byte[] readFile(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
