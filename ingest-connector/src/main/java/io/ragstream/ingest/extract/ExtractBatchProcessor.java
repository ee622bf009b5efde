package io.ragstream.ingest.extract;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.runtime.kafka.BatchProcessor;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.DocumentFingerprints;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Priority;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The extract stage's logic: IngestRequests in, ExtractedDocuments (or tombstones for deletes) out, failures to the
 * stage's dead-letter topic with the reason. The document version is the ingest record's offset: all requests of a
 * document share a partition ({@link DocumentKey#partition}), so later requests always get larger versions. Output is
 * keyed by the request's {@link DocumentKey} (tenant, docId).
 */
public final class ExtractBatchProcessor implements BatchProcessor {
  private final Deserializer<IngestRequest> requestValues;
  private final Serializer<ExtractedDocument> documentValues;

  private final TikaExtractor extractor;
  private final String documentsTopic;
  private final String dlqTopic;
  private final Timer parseLatency;
  private final MeterRegistry metrics;
  private final FileReferences references;
  private final int maxRecordBytes;

  /** References confined to the roots of {@value FileReferences#ROOTS_ENV} (none when unset). */
  public ExtractBatchProcessor(TikaExtractor extractor, String topicPrefix, SerdeSettings serdes,
      MeterRegistry metrics) {
    this(extractor, topicPrefix, serdes, metrics, FileReferences.fromEnvironment(System.getenv()));
  }

  public ExtractBatchProcessor(TikaExtractor extractor, String topicPrefix, SerdeSettings serdes,
      MeterRegistry metrics, FileReferences references) {
    this(extractor, topicPrefix, serdes, metrics, references, KafkaSettings.MAX_RECORD_BYTES);
  }

  /**
   * @param maxRecordBytes the largest output record (key and value); a bigger extraction is dead-lettered as
   *     {@code too_large}
   */
  public ExtractBatchProcessor(TikaExtractor extractor, String topicPrefix, SerdeSettings serdes,
      MeterRegistry metrics, FileReferences references, int maxRecordBytes) {
    if (maxRecordBytes < 1024) {
      throw new IllegalArgumentException("maxRecordBytes must be at least 1024, was " + maxRecordBytes);
    }
    this.maxRecordBytes = maxRecordBytes;
    this.extractor = extractor;
    this.references = java.util.Objects.requireNonNull(references, "references");
    this.requestValues = Topics.INGEST.valueSerde(serdes).deserializer();
    this.documentValues = Topics.DOCUMENTS.valueSerde(serdes).serializer();
    this.documentsTopic = Topics.DOCUMENTS.name(topicPrefix);
    this.dlqTopic = Topics.DLQ_EXTRACT.name(topicPrefix);
    this.metrics = metrics;
    this.parseLatency = Timer.builder("ragstream.extract.parse.latency").publishPercentileHistogram()
        .register(metrics);
  }

  @Override
  public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> batch) {
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(batch.size());
    for (ConsumerRecord<byte[], byte[]> record : batch) {
      ProducerRecord<byte[], byte[]> result = processOne(record);
      if (result.topic().equals(documentsTopic)) {
        Priority.propagate(record.headers(), result.headers()); // a live upload stays in the live lane downstream
      }
      out.add(result);
    }
    return out;
  }

  private ProducerRecord<byte[], byte[]> processOne(ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null) {
      return deadLetter(record, "missing_key", new IllegalArgumentException("ingest record without a docId key"));
    }
    if (record.value() == null) { // a null-valued ingest record deletes the document, like a DELETE request
      // Its key names the document: with a tenant part, that tenant's; a bare docId, the default tenant's.
      DocumentKey document;
      try {
        document = DocumentKey.parse(record.key());
      } catch (IllegalArgumentException e) {
        return deadLetter(record, "invalid_key", e);
      }
      return tombstone(document);
    }
    IngestRequest request;
    try {
      request = requestValues.deserialize(record.topic(), record.value());
    } catch (SerializationException e) {
      return deadLetter(record, "undecodable", e);
    }
    DocumentKey document;
    try {
      document = DocumentKey.of(request.getTenant(), request.getDocId());
    } catch (IllegalArgumentException e) {
      return deadLetter(record, "invalid_key", e);
    }
    if (request.getOperation() == Operation.DELETE) {
      return tombstone(document);
    }
    try {
      byte[] content = content(request);
      Extraction extraction = parseLatency.recordCallable(
          () -> extractor.extract(content, request.getContentType(), request.getSourceName()));
      Map<String, String> metadata = new HashMap<>(request.getMetadata());
      extraction.metadata().forEach(metadata::putIfAbsent);
      ExtractedDocument doc = ExtractedDocument.newBuilder()
          .setDocId(request.getDocId())
          .setTenant(request.getTenant())
          .setTitle(extraction.title())
          .setLanguage(extraction.language())
          .setContentType(extraction.contentType())
          .setSourceName(request.getSourceName())
          .setContentHash(DocumentFingerprints.contentHash(extraction.contentHash(), extraction.title(),
              request.getSourceName(), metadata, request.getAcl()))
          .setVersion(record.offset())
          .setIngestedAt(request.getIngestedAt())
          .setMetadata(metadata)
          .setAcl(new ArrayList<>(request.getAcl()))
          .setBlocks(new ArrayList<>(extraction.blocks()))
          .build();
      byte[] value = documentValues.serialize(documentsTopic, doc);
      byte[] key = document.bytes();
      if (value.length + key.length > maxRecordBytes) {
        // A small input can extract to far more text than the producer (or the broker) accepts in one record; sent
        // anyway, it would fail the transaction on every retry and stop the stage for good.
        throw new ExtractionException(ExtractionException.Reason.TOO_LARGE, "the extracted document is "
            + value.length + " bytes, over the record limit of " + maxRecordBytes + " bytes");
      }
      metrics.counter("ragstream.extract.documents", "result", "ok").increment();
      // Keyed by (tenant, docId), whatever the ingest record's key: one written before tenant-scoped keys (docId
      // alone) or by a raw producer comes out under its document's own key.
      return new ProducerRecord<>(documentsTopic, key, value);
    } catch (ExtractionException e) {
      return deadLetter(record, e.reason().name().toLowerCase(java.util.Locale.ROOT), e);
    } catch (FileReferences.ReferenceException e) {
      return deadLetter(record, e.reason(), e);
    } catch (InterruptedException e) {
      // The stage is stopping, the document is not at fault: abort the batch so it is read again.
      Thread.currentThread().interrupt();
      throw new IllegalStateException("extract interrupted", e);
    } catch (Exception e) {
      // recordCallable declares Exception; the extractor itself throws only the two kinds above
      throw new IllegalStateException("unexpected extract failure for " + request.getDocId(), e);
    }
  }

  /**
   * The delete of {@code document}: a tombstone under its key, with the tenant header, so that the chunker can tell
   * it from a tombstone written before tenant-scoped keys (a bare key without the header).
   */
  private ProducerRecord<byte[], byte[]> tombstone(DocumentKey document) {
    ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(documentsTopic, document.bytes(), null);
    document.addTo(out.headers());
    return out;
  }

  /** The bytes to parse: inline, or read from a confined {@code file:} reference with the same size limit. */
  private byte[] content(IngestRequest request) throws FileReferences.ReferenceException, ExtractionException {
    ByteBuffer inline = request.getContent();
    if (inline != null) {
      byte[] bytes = new byte[inline.remaining()];
      inline.duplicate().get(bytes);
      return bytes;
    }
    if (request.getReference() == null) {
      throw new ExtractionException(ExtractionException.Reason.EMPTY, "request has neither content nor reference");
    }
    return references.read(request.getReference(), extractor.limits().maxBytes());
  }

  private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason,
      Throwable error) {
    metrics.counter("ragstream.extract.documents", "result", reason).increment();
    metrics.counter("ragstream.stage.records.dlq", "stage", "extract").increment();
    return DeadLetters.of(dlqTopic, "extract", reason, record, error);
  }
}
