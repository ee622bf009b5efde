package io.ragstream.launcher;

import io.ragstream.chunker.DocumentChunker;
import io.ragstream.embedder.EmbedBatchProcessor;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;

/**
 * What a replay writes into its new generation for each polled batch of its source topic, and what it therefore
 * expects the generation to hold. Stateful across batches (a compacted topic still holds several versions of a key
 * until the cleaner runs, and tombstones), and free of Kafka clients: the poll loop is {@link
 * GenerationCommands.Replay}. Records the live pipeline dead-letters (no key, undecodable) are skipped and counted,
 * so the replay can report them.
 */
abstract class ReplayPlan {
  private final EmbeddingModel model;
  private long skipped;

  ReplayPlan(EmbeddingModel model) {
    this.model = model;
  }

  /** The compacted topic this replay reads. */
  abstract String topic(String prefix);

  /** The write of one polled batch: last record per key wins, tombstones become deletes. */
  abstract WriteBatch plan(List<ConsumerRecord<byte[], byte[]>> records);

  /** Documents the generation must hold after every batch so far. */
  abstract long expectedDocuments();

  /** Chunks the generation must hold after every batch so far. */
  abstract long expectedChunks();

  /** Documents whose latest version could not be decoded or chunked (the live chunker dead-letters them). */
  List<String> failedDocuments() {
    return List.of();
  }

  /** Records skipped because the live pipeline cannot index them either (it dead-letters them). */
  long skipped() {
    return skipped;
  }

  void skip() {
    skipped++;
  }

  EmbeddingModel model() {
    return model;
  }

  /** Chunks with vectors of the generation's model, from the text the embedder stage embeds. */
  List<StoredChunk> embedded(List<Chunk> chunks) {
    float[][] vectors = chunks.isEmpty() ? new float[0][]
        : model.embedAll(chunks.stream().map(EmbedBatchProcessor::embeddingText).toList());
    List<StoredChunk> stored = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      stored.add(new StoredChunk(c.getChunkId(), c.getDocId(), c.getTenant(), c.getDocumentVersion(), c.getOrdinal(),
          c.getTitle(), c.getHeadings(), c.getText(), c.getSourceName(), c.getMetadata(), model.id(), vectors[i],
          c.getIngestedAt().toEpochMilli(), c.getAcl()));
    }
    return stored;
  }

  /** Decodes a value, or empty (counted as skipped) when the live stage would dead-letter it. */
  <T> Optional<T> decode(Serde<T> serde, ConsumerRecord<byte[], byte[]> record) {
    try {
      return Optional.of(serde.deserializer().deserialize(record.topic(), record.value()));
    } catch (RuntimeException e) {
      skip();
      return Optional.empty();
    }
  }

  static String key(ConsumerRecord<byte[], byte[]> record) {
    return new String(record.key(), StandardCharsets.UTF_8);
  }

  /** {@code --from chunks}: every current chunk re-embedded, as the live chunker cut it. */
  static ReplayPlan chunks(EmbeddingModel model, SerdeSettings serdes) {
    return new FromChunks(model, serdes);
  }

  /** {@code --from documents}: every current document re-chunked with {@code chunker}, then embedded. */
  static ReplayPlan documents(DocumentChunker chunker, EmbeddingModel model, SerdeSettings serdes) {
    return new FromDocuments(chunker, model, serdes);
  }

  private static final class FromChunks extends ReplayPlan {
    private final Serde<Chunk> chunks;
    private final Map<String, String> docOfChunk = new HashMap<>(); // chunkId -> docId, of the current chunks

    FromChunks(EmbeddingModel model, SerdeSettings serdes) {
      super(model);
      this.chunks = Topics.CHUNKS.valueSerde(serdes);
    }

    @Override
    String topic(String prefix) {
      return Topics.CHUNKS.name(prefix);
    }

    @Override
    WriteBatch plan(List<ConsumerRecord<byte[], byte[]>> records) {
      Map<String, Chunk> upserts = new LinkedHashMap<>();
      Set<String> deletes = new LinkedHashSet<>();
      for (ConsumerRecord<byte[], byte[]> record : records) {
        if (record.key() == null) {
          skip();
          continue;
        }
        String chunkId = key(record);
        if (record.value() == null) {
          upserts.remove(chunkId);
          deletes.add(chunkId);
          docOfChunk.remove(chunkId);
        } else {
          Optional<Chunk> chunk = decode(chunks, record);
          if (chunk.isPresent()) {
            deletes.remove(chunkId);
            upserts.put(chunkId, chunk.get());
            docOfChunk.put(chunkId, chunk.get().getDocId());
          }
        }
      }
      return new WriteBatch(embedded(List.copyOf(upserts.values())), List.copyOf(deletes));
    }

    @Override
    long expectedDocuments() {
      return docOfChunk.values().stream().distinct().count();
    }

    @Override
    long expectedChunks() {
      return docOfChunk.size();
    }
  }

  /**
   * Per document, its latest version is chunked as the live chunker would chunk it now; the chunk ids the replay
   * wrote for an earlier version are remembered (like the chunker's state store) so that a later version deletes the
   * ones that vanished and a tombstone deletes them all: a deleted document never comes back.
   */
  private static final class FromDocuments extends ReplayPlan {
    private final Serde<ExtractedDocument> documents;
    private final DocumentChunker chunker;
    private final Map<String, Set<String>> chunksOfDoc = new HashMap<>(); // by DocumentKey
    private final Map<String, String> heldByBareKey = new HashMap<>(); // bare (legacy) key -> its value's DocumentKey
    private final List<String> failed = new ArrayList<>();

    FromDocuments(DocumentChunker chunker, EmbeddingModel model, SerdeSettings serdes) {
      super(model);
      this.chunker = chunker;
      this.documents = Topics.DOCUMENTS.valueSerde(serdes);
    }

    @Override
    String topic(String prefix) {
      return Topics.DOCUMENTS.name(prefix);
    }

    @Override
    WriteBatch plan(List<ConsumerRecord<byte[], byte[]>> records) {
      Map<String, ConsumerRecord<byte[], byte[]>> latest = new LinkedHashMap<>();
      for (ConsumerRecord<byte[], byte[]> record : records) {
        if (record.key() == null) {
          skip();
          continue;
        }
        String document = document(record);
        latest.remove(document); // keeps the map in the order of each document's last record
        latest.put(document, record);
      }      List<Chunk> upserts = new ArrayList<>();
      List<String> deletes = new ArrayList<>();
      for (var entry : latest.entrySet()) {
        String docId = entry.getKey(); // the DocumentKey: (tenant, docId)
        Set<String> previous = chunksOfDoc.getOrDefault(docId, Set.of());
        Set<String> current = new LinkedHashSet<>();
        if (entry.getValue().value() != null) {
          Optional<ExtractedDocument> doc = decode(documents, entry.getValue());
          if (doc.isEmpty()) {
            failed.add(DocumentKey.display(docId));
            continue; // the live chunker dead-letters it too and keeps the document's previous chunks
          }
          List<Chunk> chunks;
          try {
            chunks = chunker.chunk(doc.get());
          } catch (RuntimeException e) {
            skip();
            failed.add(DocumentKey.display(docId));
            continue;
          }
          for (Chunk chunk : chunks) {
            if (current.add(chunk.getChunkId()) && !previous.contains(chunk.getChunkId())) {
              upserts.add(chunk); // a chunk the generation already holds has the same text: not embedded again
            }
          }
        }
        for (String id : previous) {
          if (!current.contains(id)) {
            deletes.add(id);
          }
        }
        if (current.isEmpty()) {
          chunksOfDoc.remove(docId);
        } else {
          chunksOfDoc.put(docId, current);
        }
      }
      return new WriteBatch(embedded(upserts), deletes);
    }

    /**
     * The {@link DocumentKey} a record is about: its value's (tenant, docId), whatever its key, so a record keyed by
     * docId alone (written before tenant-scoped keys) and its successors under the new key are one document. A
     * tombstone's key says it, with the tenant header for a bare key; a bare tombstone without the header (written
     * before tenant-scoped keys) deletes the document its key last held, whichever tenant's, as it did then.
     */
    private String document(ConsumerRecord<byte[], byte[]> record) {
      String key = key(record);
      if (record.value() != null) {
        Optional<ExtractedDocument> doc = peek(record);
        if (doc.isEmpty()) {
          return key; // undecodable: counted as failed under its key below
        }
        String document = DocumentKey.encode(doc.get().getTenant(), doc.get().getDocId());
        if (DocumentKey.isLegacy(key)) {
          heldByBareKey.put(key, document);
        }
        return document;
      }
      if (!DocumentKey.isLegacy(key)) {
        return key;
      }
      String tenant = DocumentKey.tenantHeader(record.headers());
      return tenant != null ? DocumentKey.encode(tenant, key) : heldByBareKey.getOrDefault(key, key);
    }

    private Optional<ExtractedDocument> peek(ConsumerRecord<byte[], byte[]> record) {
      try {
        return Optional.of(documents.deserializer().deserialize(record.topic(), record.value()));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    @Override
    List<String> failedDocuments() {
      return failed;
    }

    /** Distinct docIds, across tenants, as {@code ChunkStore.documentCount} counts them. */
    @Override
    long expectedDocuments() {
      return chunksOfDoc.keySet().stream().map(k -> DocumentKey.parse(k).docId()).distinct().count();
    }

    @Override
    long expectedChunks() {
      return chunksOfDoc.values().stream().mapToLong(Set::size).sum();
    }
  }
}
