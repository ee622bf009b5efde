package io.ragstream.indexer;

import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What one polled batch of embedding records means for a store: the write batch (last write per chunk id wins, as
 * the records of one chunk arrive in order), the dead letters, and one summary per document for its index event.
 * Pure: no Kafka client, no store.
 */
public record IndexPlan(WriteBatch batch, List<ProducerRecord<byte[], byte[]>> deadLetters,
    Map<String, DocumentSummary> documents) { // documents by DocumentKey: one summary per (tenant, docId)

  /** The key of a document's summary and index event: its {@link DocumentKey}. */
  public static String key(DocumentSummary summary) {
    return DocumentKey.encode(summary.tenant(), summary.docId());
  }

  /** Per document: how many chunks the batch upserted and deleted, its newest version, and when it was ingested. */
  public record DocumentSummary(String docId, String tenant, int upserted, int deleted, Long version,
      Instant ingestedAt) {}

  /** The plan of one polled batch; {@code embeddingValues} decodes the embeddings topic's values. */
  public static IndexPlan of(List<ConsumerRecord<byte[], byte[]>> records, String topicPrefix,
      Deserializer<EmbeddedChunk> embeddingValues) {
    String dlq = Topics.DLQ_INDEXER.name(topicPrefix);
    Map<String, StoredChunk> upserts = new LinkedHashMap<>();
    Map<String, String> deletes = new LinkedHashMap<>(); // chunkId -> docId
    List<ProducerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
    Map<String, DocumentSummary> documents = new LinkedHashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (record.key() == null) {
        deadLetters.add(DeadLetters.of(dlq, "indexer", "missing_key", record,
            new IllegalArgumentException("embedding record without a chunk id key")));
        continue;
      }
      String chunkId = new String(record.key(), StandardCharsets.UTF_8);
      if (record.value() == null) {
        // the tombstone's headers name its document (docId and, since tenant-scoped identity, tenant)
        DocumentKey document = DocumentKey.fromHeaders(record.headers());
        upserts.remove(chunkId);
        deletes.put(chunkId, document == null ? null : document.docId());
        if (document != null) {
          documents.merge(document.encoded(), new DocumentSummary(document.docId(), document.tenant(), 0, 1, null,
              null), IndexPlan::merge);
        }
        continue;
      }
      EmbeddedChunk embedded;
      try {
        embedded = embeddingValues.deserialize(record.topic(), record.value());
      } catch (SerializationException e) {
        deadLetters.add(DeadLetters.of(dlq, "indexer", "undecodable_embedding", record, e));
        continue;
      }
      Chunk chunk = embedded.getChunk();
      deletes.remove(chunkId);
      upserts.put(chunkId, toStored(embedded));
      documents.merge(DocumentKey.encode(chunk.getTenant(), chunk.getDocId()), new DocumentSummary(chunk.getDocId(), chunk.getTenant(), 1, 0,
          chunk.getDocumentVersion(), chunk.getIngestedAt()), IndexPlan::merge);
    }
    return new IndexPlan(new WriteBatch(List.copyOf(upserts.values()), List.copyOf(deletes.keySet())),
        deadLetters, documents);
  }

  /**
   * This plan for a store holding vectors of {@code modelId}: every upsert embedded by another model gets a vector
   * of {@code modelId} for the same text (in one call), the rest is unchanged. Used where a generation's model is not
   * the embedder stage's, e.g. after a replay with {@code --model}.
   */
  public IndexPlan forModel(String modelId, Reembedder reembedder) {
    List<Integer> foreign = new ArrayList<>();
    List<StoredChunk> upserts = batch.upserts();
    for (int i = 0; i < upserts.size(); i++) {
      if (upserts.get(i).vector() != null && !modelId.equals(upserts.get(i).modelId())) {
        foreign.add(i);
      }
    }
    if (foreign.isEmpty()) {
      return this;
    }
    float[][] vectors = reembedder.embed(modelId, foreign.stream().map(i -> upserts.get(i).text()).toList());
    if (vectors.length != foreign.size()) {
      throw new IllegalStateException("model " + modelId + " returned " + vectors.length + " vectors for "
          + foreign.size() + " texts");
    }
    List<StoredChunk> replaced = new ArrayList<>(upserts);
    for (int j = 0; j < foreign.size(); j++) {
      StoredChunk c = replaced.get(foreign.get(j));
      replaced.set(foreign.get(j), new StoredChunk(c.chunkId(), c.docId(), c.tenant(), c.documentVersion(),
          c.ordinal(), c.title(), c.headings(), c.text(), c.sourceName(), c.metadata(), modelId, vectors[j],
          c.ingestedAt(), c.acl()));
    }
    return new IndexPlan(new WriteBatch(replaced, batch.deletes()), deadLetters, documents);
  }

  /** The index event of each document the batch touched, once the store committed it. */
  public List<IndexEvent> events(String store, String generation, Instant indexedAt) {
    return documents.values().stream().map(d -> IndexEvent.newBuilder()
        .setDocId(d.docId())
        .setTenant(d.tenant() == null ? "default" : d.tenant())
        .setKind(d.upserted() > 0 ? IndexEventKind.INDEXED : IndexEventKind.DELETED)
        .setDocumentVersion(d.version())
        .setChunksUpserted(d.upserted())
        .setChunksDeleted(d.deleted())
        .setStore(store)
        .setGeneration(generation)
        .setIngestedAt(d.ingestedAt())
        .setIndexedAt(indexedAt)
        .build()).toList();
  }

  private static DocumentSummary merge(DocumentSummary a, DocumentSummary b) {
    Long version = a.version() == null ? b.version() : b.version() == null ? a.version()
        : Long.valueOf(Math.max(a.version(), b.version()));
    Instant ingested = a.ingestedAt() == null ? b.ingestedAt() : a.ingestedAt();
    return new DocumentSummary(a.docId(), a.tenant() != null ? a.tenant() : b.tenant(), a.upserted() + b.upserted(),
        a.deleted() + b.deleted(), version, ingested);
  }

  private static StoredChunk toStored(EmbeddedChunk embedded) {
    Chunk c = embedded.getChunk();
    float[] vector = new float[embedded.getVector().size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = embedded.getVector().get(i);
    }
    return new StoredChunk(c.getChunkId(), c.getDocId(), c.getTenant(), c.getDocumentVersion(), c.getOrdinal(),
        c.getTitle(), c.getHeadings(), c.getText(), c.getSourceName(), c.getMetadata(), embedded.getModelId(), vector,
        c.getIngestedAt().toEpochMilli(), c.getAcl());
  }
}
