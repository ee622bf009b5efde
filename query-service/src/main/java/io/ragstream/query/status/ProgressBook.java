package io.ragstream.query.status;

import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.DocumentMetadata;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.DeadLetterInfo;
import io.ragstream.schemas.avro.DocumentProgress;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.OcrInfo;
import io.ragstream.schemas.avro.Operation;
import io.ragstream.schemas.avro.ProgressOperation;
import io.ragstream.schemas.avro.ProgressState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every document's progress, folded from the records the stages write: ingest requests, extracted documents, chunks,
 * embeddings, index events and dead letters. No Kafka client in it; {@link StatusTracker} feeds it.
 *
 * <p>Versions tie the records together: a document's version is its ingest record's offset, and every later record
 * carries it (tombstones excepted, which count for the version in flight). A higher version starts over; records of
 * an older version are ignored. The state is derived from which steps have a timestamp, so the fold does not depend
 * on the order in which the tracker reads the topics.
 *
 * <p>Documents are kept per {@link DocumentKey} (tenant, docId): the same docId in two tenants is two documents, each
 * with its own progress. Records written before tenant-scoped keys are placed by their value's tenant.
 *
 * <p>Counting chunk records is not idempotent, so each document remembers the last offset it applied per topic
 * partition: a batch re-read after an aborted transaction changes nothing.
 */
public final class ProgressBook {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressBook.class);
  private final Deserializer<IngestRequest> ingestValues;
  private final Deserializer<ExtractedDocument> documentValues;
  private final Deserializer<Chunk> chunkValues;
  private final Deserializer<EmbeddedChunk> embeddingValues;
  private final Deserializer<IndexEvent> eventValues;

  private final String prefix;
  private final Map<String, DocumentProgress> documents = new HashMap<>();
  private final Map<String, Long> applied = new HashMap<>();

  public ProgressBook(String topicPrefix, SerdeSettings serdes) {
    this.prefix = topicPrefix;
    this.ingestValues = Topics.INGEST.valueSerde(serdes).deserializer();
    this.documentValues = Topics.DOCUMENTS.valueSerde(serdes).deserializer();
    this.chunkValues = Topics.CHUNKS.valueSerde(serdes).deserializer();
    this.embeddingValues = Topics.EMBEDDINGS.valueSerde(serdes).deserializer();
    this.eventValues = Topics.INDEX_EVENTS.valueSerde(serdes).deserializer();
  }

  /** Starts from states read back from the status topic (after a restart). */
  public void restore(DocumentProgress progress) {
    documents.put(DocumentKey.encode(progress.getTenant(), progress.getDocId()), progress);
  }

  /** The progress of the document whose {@link DocumentKey#encoded() key} is {@code key}. */
  public Optional<DocumentProgress> get(String key) {
    return Optional.ofNullable(documents.get(key));
  }

  public Optional<DocumentProgress> get(String tenant, String docId) {
    return get(DocumentKey.encode(tenant, docId));
  }

  /**
   * Applies one record of a pipeline topic. A record this document already applied changes nothing but still names
   * it, so that its status can be written again after an aborted transaction.
   *
   * @return the {@link DocumentKey#encoded() key} of the document (tenant, docId) the record is about, or empty when
   *     it is not about a document's progress
   */
  public Optional<String> apply(ConsumerRecord<byte[], byte[]> record) {
    Optional<Parsed> parsed;
    try {
      parsed = parse(record);
    } catch (SerializationException e) {
      // Poison in a pipeline topic is the consuming stage's to dead-letter (and that dead letter names the
      // document); retrying here would stall every document's status behind it.
      LOG.warn("status: skipping undecodable record {}-{}@{}: {}", record.topic(), record.partition(),
          record.offset(), e.getMessage());
      return Optional.empty();
    }
    parsed.filter(p -> fresh(p.docId(), record)).ifPresent(p -> {
      switch (p.value()) {
        case IngestRequest request -> ingested(p.docId(), request, record);
        case ExtractedDocument document -> extracted(p.docId(), document, record);
        case Chunk chunk -> chunked(p.docId(), chunk, record);
        case EmbeddedChunk embedded -> embedded(p.docId(), embedded.getChunk(), record);
        case IndexEvent event -> indexed(p.docId(), event);
        case DeadLetterStage stage -> deadLettered(p.docId(), stage.name(), record);
        case Tombstone t when is(record.topic(), Topics.INGEST) -> ingested(p.docId(), null, record);
        case Tombstone t when is(record.topic(), Topics.DOCUMENTS) -> extractedTombstone(p.docId(), record);
        case Tombstone t -> chunkTombstone(p.docId(), record);
        default -> throw new IllegalStateException("unexpected " + p.value());
      }
      DocumentProgress progress = documents.get(p.docId());
      progress.setState(derive(progress));
      progress.setUpdatedAt(max(progress.getUpdatedAt(), Instant.ofEpochMilli(record.timestamp())));
    });
    return parsed.map(Parsed::docId);
  }

  /** {@code docId} here is the document's {@link DocumentKey#encoded() key}: (tenant, docId). */
  private record Parsed(String docId, Object value) {}

  private record Tombstone() {}

  private record DeadLetterStage(String name) {}

  private Optional<Parsed> parse(ConsumerRecord<byte[], byte[]> record) {
    String topic = record.topic();
    byte[] value = record.value();
    if (is(topic, Topics.INGEST) || is(topic, Topics.DOCUMENTS)) {
      if (record.key() == null) {
        return Optional.empty(); // not a record any stage writes: every document record is keyed by its docId
      }
      if (value == null) { // a tombstone's key names its document (a bare docId: the default tenant's)
        return Optional.of(new Parsed(key(record), new Tombstone()));
      }
      // the value names the document, also under a key written before tenant-scoped keys (docId alone)
      if (is(topic, Topics.INGEST)) {
        IngestRequest request = ingestValues.deserialize(topic, value);
        return Optional.of(new Parsed(DocumentKey.encode(request.getTenant(), request.getDocId()), request));
      }
      ExtractedDocument document = documentValues.deserialize(topic, value);
      return Optional.of(new Parsed(DocumentKey.encode(document.getTenant(), document.getDocId()), document));
    }
    if (is(topic, Topics.CHUNKS)) {
      if (value == null) {
        return Optional.ofNullable(DocumentKey.fromHeaders(record.headers()))
            .map(d -> new Parsed(d.encoded(), new Tombstone()));
      }
      Chunk chunk = chunkValues.deserialize(topic, value);
      return Optional.of(new Parsed(DocumentKey.encode(chunk.getTenant(), chunk.getDocId()), chunk));
    }
    if (is(topic, Topics.EMBEDDINGS)) {
      // a tombstone here repeats the chunk tombstone already counted
      return value == null ? Optional.empty() : Optional.of(embeddingValues.deserialize(topic, value))
          .map(e -> new Parsed(DocumentKey.encode(e.getChunk().getTenant(), e.getChunk().getDocId()), e));
    }
    if (is(topic, Topics.INDEX_EVENTS)) {
      return value == null ? Optional.empty() : Optional.of(eventValues.deserialize(topic, value))
          .map(e -> new Parsed(DocumentKey.encode(e.getTenant(), e.getDocId()), e));
    }
    return Topics.DEAD_LETTERS.entrySet().stream().filter(e -> is(topic, e.getValue())).findFirst()
        .flatMap(e -> deadLetterDocId(record).map(id -> new Parsed(id, new DeadLetterStage(e.getKey()))));
  }

  private void ingested(String docId, IngestRequest request, ConsumerRecord<byte[], byte[]> record) {
    DocumentProgress p = forVersion(docId, record.offset());
    if (p == null) {
      return;
    }
    p.setOperation(request == null || request.getOperation() == Operation.DELETE ? ProgressOperation.DELETE
        : ProgressOperation.UPSERT);
    if (request != null) {
      p.setTenant(request.getTenant());
      p.setSourceName(request.getSourceName());
      p.setAcl(new java.util.ArrayList<>(request.getAcl()));
      p.setIngestedAt(request.getIngestedAt());
    } else {
      p.setIngestedAt(Instant.ofEpochMilli(record.timestamp()));
    }
  }

  /** The delete passed extraction. */
  private void extractedTombstone(String docId, ConsumerRecord<byte[], byte[]> record) {
    DocumentProgress p = documents.computeIfAbsent(docId, ProgressBook::blank);
    p.setOperation(ProgressOperation.DELETE);
    p.setExtractedAt(Instant.ofEpochMilli(record.timestamp()));
  }

  private void extracted(String docId, ExtractedDocument document, ConsumerRecord<byte[], byte[]> record) {
    Instant at = Instant.ofEpochMilli(record.timestamp());
    String previousHash = Optional.ofNullable(documents.get(docId)).map(DocumentProgress::getContentHash)
        .orElse(null);
    DocumentProgress p = forVersion(docId, document.getVersion());
    if (p == null) {
      return;
    }
    p.setTenant(document.getTenant());
    p.setSourceName(document.getSourceName());
    p.setExtractedAt(at);
    if (p.getIngestedAt() == null) {
      p.setIngestedAt(document.getIngestedAt());
    }
    p.setContentHash(document.getContentHash());
    p.setOcr(ocr(document.getMetadata()));
    // The chunker emits nothing for identical content, so no later step will report on this version.
    if (document.getContentHash().equals(previousHash)) {
      p.setState(ProgressState.UNCHANGED);
    }
  }

  /**
   * What the extract stage's OCR marks say about this version: pages and language where text came from OCR, the
   * reason where OCR was skipped, null where neither (a text document, or OCR off).
   */
  static OcrInfo ocr(Map<String, String> metadata) {
    boolean ocrd = "true".equals(metadata.get(DocumentMetadata.OCR));
    String skipped = metadata.get(DocumentMetadata.OCR_SKIPPED);
    if (!ocrd && skipped == null) {
      return null;
    }
    int pages = 0;
    if (ocrd) {
      try {
        pages = Integer.parseInt(metadata.getOrDefault(DocumentMetadata.OCR_PAGES, "0"));
      } catch (NumberFormatException e) {
        // written by the extract stage as a number; a hand-made record with junk still shows as OCR'd
        LOG.debug("status: ocrPages '{}' is not a number", metadata.get(DocumentMetadata.OCR_PAGES));
      }
    }
    return OcrInfo.newBuilder().setPages(pages).setLanguage(metadata.get(DocumentMetadata.OCR_LANGUAGE))
        .setSkipped(skipped).build();
  }

  /** A tombstone counts for the version in flight: it carries no version of its own. */
  private void chunkTombstone(String docId, ConsumerRecord<byte[], byte[]> record) {
    DocumentProgress p = documents.computeIfAbsent(docId, ProgressBook::blank);
    p.setChunksRemoved(p.getChunksRemoved() + 1);
    p.setChunkedAt(Instant.ofEpochMilli(record.timestamp()));
  }

  private void chunked(String docId, Chunk chunk, ConsumerRecord<byte[], byte[]> record) {
    DocumentProgress p = forVersion(docId, chunk.getDocumentVersion());
    if (p != null) {
      p.setTenant(chunk.getTenant());
      p.setChunksNew(p.getChunksNew() + 1);
      p.setChunkedAt(Instant.ofEpochMilli(record.timestamp()));
    }
  }

  private void embedded(String docId, Chunk chunk, ConsumerRecord<byte[], byte[]> record) {
    DocumentProgress p = forVersion(docId, chunk.getDocumentVersion());
    if (p != null) {
      p.setChunksEmbedded(p.getChunksEmbedded() + 1);
      p.setEmbeddedAt(Instant.ofEpochMilli(record.timestamp()));
    }
  }

  private void indexed(String docId, IndexEvent event) {
    DocumentProgress p = event.getDocumentVersion() == null
        ? documents.computeIfAbsent(docId, ProgressBook::blank)
        : forVersion(docId, event.getDocumentVersion());
    if (p == null) {
      return;
    }
    p.setTenant(event.getTenant());
    p.setIndexedAt(event.getIndexedAt());
    if (event.getKind() == IndexEventKind.DELETED) {
      p.setOperation(ProgressOperation.DELETE);
      return;
    }
    p.setChunksIndexed(p.getChunksIndexed() + event.getChunksUpserted());
    Instant ingestedAt = event.getIngestedAt() != null ? event.getIngestedAt() : p.getIngestedAt();
    if (ingestedAt != null) {
      p.setTimeToSearchableMs(event.getIndexedAt().toEpochMilli() - ingestedAt.toEpochMilli());
    }
  }

  private void deadLettered(String docId, String stage, ConsumerRecord<byte[], byte[]> record) {
    DocumentProgress p = documents.computeIfAbsent(docId, ProgressBook::blank);
    Headers h = record.headers();
    p.setDeadLetter(DeadLetterInfo.newBuilder()
        .setStage(stage)
        .setReason(DeadLetters.header(h, ErrorHeaders.REASON))
        .setException(DeadLetters.header(h, ErrorHeaders.EXCEPTION))
        .setMessage(DeadLetters.header(h, ErrorHeaders.EXCEPTION_MESSAGE))
        .setTopic(record.topic())
        .setOffset(record.offset())
        .setAt(Instant.ofEpochMilli(record.timestamp()))
        .build());
  }

  /**
   * The progress to update for a record of {@code version}: a fresh one when the version is newer than the one in
   * flight, null when it is older (a stale record).
   */
  private DocumentProgress forVersion(String docId, long version) {
    DocumentProgress current = documents.get(docId);
    if (current != null && current.getVersion() != null) {
      if (version < current.getVersion()) {
        return null;
      }
      if (version == current.getVersion()) {
        return current;
      }
    }
    DocumentProgress next = blank(docId);
    next.setVersion(version);
    if (current != null) {
      next.setTenant(current.getTenant());
      next.setSourceName(current.getSourceName());
      next.setContentHash(current.getContentHash()); // to recognise an identical re-publish
      next.setUpdatedAt(current.getUpdatedAt());
      if (current.getVersion() == null) { // what arrived before the version was known belongs to this one
        next.setDeadLetter(current.getDeadLetter());
      }
    }
    documents.put(docId, next);
    return next;
  }

  static ProgressState derive(DocumentProgress p) {
    if (p.getDeadLetter() != null) {
      return ProgressState.FAILED;
    }
    if (p.getOperation() == ProgressOperation.DELETE) {
      return p.getIndexedAt() != null ? ProgressState.DELETED
          : p.getExtractedAt() != null ? ProgressState.EXTRACTED : ProgressState.INGESTED;
    }
    if (p.getIndexedAt() != null) {
      return ProgressState.INDEXED;
    }
    if (p.getEmbeddedAt() != null) {
      return ProgressState.EMBEDDED;
    }
    if (p.getChunkedAt() != null) {
      return ProgressState.CHUNKED;
    }
    if (p.getState() == ProgressState.UNCHANGED) {
      return ProgressState.UNCHANGED;
    }
    return p.getExtractedAt() != null ? ProgressState.EXTRACTED : ProgressState.INGESTED;
  }

  /** False for a record this document already applied (a batch re-read after an abort). */
  private boolean fresh(String docId, ConsumerRecord<byte[], byte[]> record) {
    String key = docId + '\u0000' + record.topic() + '\u0000' + record.partition();
    Long last = applied.get(key);
    if (last != null && record.offset() <= last) {
      return false;
    }
    applied.put(key, record.offset());
    return true;
  }

  /**
   * The document a dead letter belongs to: the key for the docId-keyed inputs (extract, chunker); for chunk-keyed
   * inputs the docId header or the original chunk; a value that does not decode leaves only the key to go by.
   */
  private Optional<String> deadLetterDocId(ConsumerRecord<byte[], byte[]> record) {
    DocumentKey header = DocumentKey.fromHeaders(record.headers());
    if (header != null) {
      return Optional.of(header.encoded());
    }
    String source = DeadLetters.header(record.headers(), ErrorHeaders.TOPIC);
    if (record.value() != null && source != null) {
      try {
        if (is(source, Topics.CHUNKS)) {
          Chunk chunk = chunkValues.deserialize(source, record.value());
          return Optional.of(DocumentKey.encode(chunk.getTenant(), chunk.getDocId()));
        }
        if (is(source, Topics.EMBEDDINGS)) {
          Chunk chunk = embeddingValues.deserialize(source, record.value()).getChunk();
          return Optional.of(DocumentKey.encode(chunk.getTenant(), chunk.getDocId()));
        }
        if (is(source, Topics.INGEST)) { // a key from before tenant-scoped keys is the docId alone
          IngestRequest request = ingestValues.deserialize(source, record.value());
          return Optional.of(DocumentKey.encode(request.getTenant(), request.getDocId()));
        }
        if (is(source, Topics.DOCUMENTS)) {
          ExtractedDocument document = documentValues.deserialize(source, record.value());
          return Optional.of(DocumentKey.encode(document.getTenant(), document.getDocId()));
        }
      } catch (RuntimeException undecodable) {
        // the poison itself: fall back to the key, which is all that identifies it
      }
    }
    return record.key() == null ? Optional.empty() : Optional.of(key(record));
  }

  private boolean is(String topic, Topic<?, ?> declared) {
    return topic.equals(declared.name(prefix));
  }

  private static String key(ConsumerRecord<byte[], byte[]> record) {
    return new String(record.key(), StandardCharsets.UTF_8);
  }

  /** A fresh progress of the document whose key is {@code key}: its docId and tenant come from the key. */
  private static DocumentProgress blank(String key) {
    DocumentKey document = DocumentKey.parse(key);
    return DocumentProgress.newBuilder().setDocId(document.docId()).setTenant(document.tenant())
        .setState(ProgressState.INGESTED).setUpdatedAt(Instant.EPOCH).build();
  }

  private static Instant max(Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }
}
