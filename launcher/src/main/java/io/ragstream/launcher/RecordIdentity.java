package io.ragstream.launcher;

import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topic;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IngestRequest;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What a record of a stage's input topic is about, for the operator commands ({@code dlq}): the {@link DocumentKey}
 * of a document-keyed record (ingest, documents) or the chunk id of a chunk-keyed one (chunks, embeddings), and the
 * tenant either belongs to. A document-keyed record's value names its document, so a record keyed by docId alone
 * (written before tenant-scoped keys) is its tenant's document all the same; without a decodable value the key (and a
 * tombstone's tenant header) says it.
 */
final class RecordIdentity {
  private final String prefix;
  private final Deserializer<IngestRequest> ingest;
  private final Deserializer<ExtractedDocument> documents;
  private final Deserializer<Chunk> chunks;
  private final Deserializer<EmbeddedChunk> embeddings;

  RecordIdentity(String topicPrefix, SerdeSettings serdes) {
    this.prefix = topicPrefix;
    this.ingest = Topics.INGEST.valueSerde(serdes).deserializer();
    this.documents = Topics.DOCUMENTS.valueSerde(serdes).deserializer();
    this.chunks = Topics.CHUNKS.valueSerde(serdes).deserializer();
    this.embeddings = Topics.EMBEDDINGS.valueSerde(serdes).deserializer();
  }

  /**
   * The identity that a later record must share to supersede this one: the document key for document-keyed topics,
   * the chunk id (the key) otherwise; null without a key.
   */
  String of(String topic, byte[] key, byte[] value, Headers headers) {
    if (key == null) {
      return null;
    }
    String text = new String(key, StandardCharsets.UTF_8);
    if (!is(topic, Topics.INGEST) && !is(topic, Topics.DOCUMENTS)) {
      return text;
    }
    DocumentKey fromValue = valueDocument(topic, value);
    if (fromValue != null) {
      return fromValue.encoded();
    }
    String tenant = DocumentKey.tenantHeader(headers);
    if (tenant != null && DocumentKey.isLegacy(text)) {
      try {
        return DocumentKey.encode(tenant, text);
      } catch (IllegalArgumentException e) {
        return text;
      }
    }
    return text;
  }

  /** The tenant a record belongs to; the default tenant where nothing in it names one. */
  String tenantOf(String topic, byte[] key, byte[] value, Headers headers) {
    DocumentKey fromValue = valueDocument(topic, value);
    if (fromValue != null) {
      return fromValue.tenant();
    }
    String header = DocumentKey.tenantHeader(headers);
    if (header != null) {
      return header;
    }
    if (key != null && (is(topic, Topics.INGEST) || is(topic, Topics.DOCUMENTS))) {
      try {
        return DocumentKey.parse(key).tenant();
      } catch (IllegalArgumentException e) {
        return DocumentKey.DEFAULT_TENANT;
      }
    }
    return DocumentKey.DEFAULT_TENANT;
  }

  /** The (tenant, docId) a value names, or null for a tombstone, an undecodable value or another topic. */
  private DocumentKey valueDocument(String topic, byte[] value) {
    if (value == null || topic == null) {
      return null;
    }
    try {
      if (is(topic, Topics.INGEST)) {
        IngestRequest r = ingest.deserialize(topic, value);
        return DocumentKey.of(r.getTenant(), r.getDocId());
      }
      if (is(topic, Topics.DOCUMENTS)) {
        ExtractedDocument d = documents.deserialize(topic, value);
        return DocumentKey.of(d.getTenant(), d.getDocId());
      }
      if (is(topic, Topics.CHUNKS)) {
        Chunk c = chunks.deserialize(topic, value);
        return DocumentKey.of(c.getTenant(), c.getDocId());
      }
      if (is(topic, Topics.EMBEDDINGS)) {
        Chunk c = embeddings.deserialize(topic, value).getChunk();
        return DocumentKey.of(c.getTenant(), c.getDocId());
      }
    } catch (RuntimeException undecodable) {
      return null; // the poison itself: its key is all that identifies it
    }
    return null;
  }

  private boolean is(String topic, Topic<?, ?> declared) {
    return declared.name(prefix).equals(topic);
  }
}
