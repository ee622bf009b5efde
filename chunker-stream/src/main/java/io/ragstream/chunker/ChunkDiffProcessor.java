package io.ragstream.chunker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.schemas.DocumentFingerprints;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each new version of a document into the difference against the previous one: chunks whose ids are new, then
 * tombstones for ids that vanished. Unchanged chunks are not emitted again, so they are not re-embedded, unless the
 * document's metadata or title changed: then every chunk is emitted again to carry it. A deleted
 * document (null value) yields tombstones for all its chunks. New chunks go out before tombstones, and all records of
 * a document share a partition, so the document is never missing from the index during an update.
 */
final class ChunkDiffProcessor implements Processor<String, ExtractedDocument, String, Chunk> {
  static final String STORE = "chunker-document-state";

  private final DocumentChunker chunker;
  private final Counter emitted;
  private final Counter tombstones;
  private final Counter unchanged;
  private ProcessorContext<String, Chunk> context;
  private KeyValueStore<String, DocumentChunkState> state;

  ChunkDiffProcessor(DocumentChunker chunker, MeterRegistry metrics) {
    this.chunker = chunker;
    this.emitted = metrics.counter("ragstream.chunker.chunks", "kind", "upsert");
    this.tombstones = metrics.counter("ragstream.chunker.chunks", "kind", "tombstone");
    this.unchanged = metrics.counter("ragstream.chunker.documents.unchanged");
  }

  @Override
  public void init(ProcessorContext<String, Chunk> context) {
    this.context = context;
    this.state = context.getStateStore(STORE);
  }

  @Override
  public void process(Record<String, ExtractedDocument> record) {
    String docId = record.key();
    if (docId == null) {
      throw new IllegalArgumentException("document record without a key (docId)");
    }
    DocumentChunkState previous = state.get(docId);
    Set<String> previousIds = previous == null ? Set.of() : new LinkedHashSet<>(previous.chunkIds());
    ExtractedDocument doc = record.value();
    if (doc == null) {
      previousIds.forEach(id -> tombstone(record, docId, id));
      state.delete(docId);
      return;
    }
    String fingerprint = doc.getTenant() + ":" + doc.getContentHash();
    if (previous != null && previous.contentHash().equals(fingerprint)) {
      unchanged.increment(); // re-published identical content: a no-op downstream
      return;
    }
    List<Chunk> chunks = chunker.chunk(doc);
    Set<String> currentIds = DocumentChunker.ids(chunks);
    String metadataHash = DocumentFingerprints.metadataHash(doc.getTitle(), doc.getSourceName(), doc.getMetadata(),
        doc.getAcl());
    // Chunk ids follow the text only: when the metadata, title or ACL changed, every chunk goes out again so that each
    // store's copy (and its filters) is replaced; the embedder's cache serves the vectors of the unchanged texts.
    boolean metadataChanged = previous == null || !metadataHash.equals(previous.metadataHash());
    for (Chunk chunk : chunks) {
      if (metadataChanged || !previousIds.contains(chunk.getChunkId())) {
        context.forward(new Record<>(chunk.getChunkId(), chunk, record.timestamp(), docHeader(docId)));
        emitted.increment();
      }
    }
    for (String id : previousIds) {
      if (!currentIds.contains(id)) {
        tombstone(record, docId, id);
      }
    }
    state.put(docId, new DocumentChunkState(fingerprint, metadataHash, List.copyOf(currentIds)));
  }

  private void tombstone(Record<String, ExtractedDocument> cause, String docId, String chunkId) {
    context.forward(new Record<String, Chunk>(chunkId, null, cause.timestamp(), docHeader(docId)));
    tombstones.increment();
  }

  private static RecordHeaders docHeader(String docId) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ErrorHeaders.DOC_ID, docId.getBytes(StandardCharsets.UTF_8));
    return headers;
  }
}
