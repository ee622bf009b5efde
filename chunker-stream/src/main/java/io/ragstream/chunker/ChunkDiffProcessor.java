package io.ragstream.chunker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.schemas.DocumentFingerprints;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Priority;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
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
 *
 * <p>State is kept per {@link DocumentKey} (tenant, docId): another tenant's document of the same docId is another
 * document, never diffed against or deleted with this one.
 */
final class ChunkDiffProcessor implements Processor<String, ExtractedDocument, String, Chunk> {
  static final String STORE = "chunker-document-state";

  private final DocumentChunker chunker;
  private final Counter emitted;
  private final Counter tombstones;
  private final Counter unchanged;
  private final Counter migrated;
  private ProcessorContext<String, Chunk> context;
  private KeyValueStore<String, DocumentChunkState> state;

  ChunkDiffProcessor(DocumentChunker chunker, MeterRegistry metrics) {
    this.chunker = chunker;
    this.emitted = metrics.counter("ragstream.chunker.chunks", "kind", "upsert");
    this.tombstones = metrics.counter("ragstream.chunker.chunks", "kind", "tombstone");
    this.unchanged = metrics.counter("ragstream.chunker.documents.unchanged");
    this.migrated = metrics.counter("ragstream.chunker.state.migrated");
  }

  @Override
  public void init(ProcessorContext<String, Chunk> context) {
    this.context = context;
    this.state = context.getStateStore(STORE);
  }

  @Override
  public void process(Record<String, ExtractedDocument> record) {
    if (record.key() == null) {
      throw new IllegalArgumentException("document record without a key (docId)");
    }
    ExtractedDocument doc = record.value();
    if (doc == null) {
      deleted(record);
      return;
    }
    // The value names the document: a record keyed by docId alone (written before tenant-scoped keys) is its
    // tenant's document all the same.
    DocumentKey document = DocumentKey.of(doc.getTenant(), doc.getDocId());
    String key = document.encoded();
    DocumentChunkState previous = previousState(document);
    Set<String> previousIds = previous == null ? Set.of() : new LinkedHashSet<>(previous.chunkIds());
    String fingerprint = fingerprint(document.tenant(), doc.getContentHash());
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
        context.forward(new Record<>(chunk.getChunkId(), chunk, record.timestamp(),
            docHeader(document, record.headers())));
        emitted.increment();
      }
    }
    for (String id : previousIds) {
      if (!currentIds.contains(id)) {
        tombstone(record, document, id);
      }
    }
    state.put(key, new DocumentChunkState(fingerprint, metadataHash, List.copyOf(currentIds)));
  }

  /**
   * A delete. Its tenant is the key's (a key with a tenant part), else the tenant header the extract stage sets on
   * every tombstone; a bare key without that header was written before tenant-scoped identity and deletes what its
   * key held then: the state under that docId, whichever tenant it belongs to.
   */
  private void deleted(Record<String, ExtractedDocument> record) {
    String key = record.key();
    String headerTenant = DocumentKey.tenantHeader(record.headers());
    if (DocumentKey.isLegacy(key) && headerTenant == null) {
      DocumentChunkState legacy = state.get(key);
      if (legacy != null) {
        DocumentKey owner = DocumentKey.of(tenantOf(legacy), key);
        legacy.chunkIds().forEach(id -> tombstone(record, owner, id));
        state.delete(key);
      }
      return;
    }
    DocumentKey parsed = DocumentKey.parse(key);
    DocumentKey document = DocumentKey.isLegacy(key) ? DocumentKey.of(headerTenant, parsed.docId()) : parsed;
    if (!document.encoded().equals(key)) {
      throw new IllegalArgumentException("tombstone key and tenant header disagree: " + document);
    }
    DocumentChunkState previous = previousState(document);
    if (previous != null) {
      previous.chunkIds().forEach(id -> tombstone(record, document, id));
    }
    state.delete(key);
  }

  /**
   * The state of {@code document}'s last chunked version. State written before tenant-scoped identity sits under the
   * bare docId whatever its tenant (its fingerprint names the tenant): a non-default tenant's is adopted from there
   * (and removed, so it is adopted once); another tenant's found under the default tenant's key is moved to its own
   * key first, so the default tenant never diffs against, or deletes, it.
   */
  private DocumentChunkState previousState(DocumentKey document) {
    String key = document.encoded();
    DocumentChunkState current = state.get(key);
    if (DocumentKey.isLegacy(key)) {
      if (current != null && !document.tenant().equals(tenantOf(current))) {
        String owner = DocumentKey.encode(tenantOf(current), document.docId());
        if (state.get(owner) == null) {
          state.put(owner, current);
        }
        state.delete(key);
        migrated.increment();
        return null;
      }
      return current;
    }
    if (current != null) {
      return current;
    }
    DocumentChunkState legacy = state.get(document.docId());
    if (legacy != null && document.tenant().equals(tenantOf(legacy))) {
      state.delete(document.docId());
      migrated.increment();
      return legacy;
    }
    return null;
  }

  /** The state's fingerprint: {@code tenant:contentHash}, as written since before tenant-scoped keys. */
  private static String fingerprint(String tenant, String contentHash) {
    return tenant + ":" + contentHash;
  }

  /** The tenant of a state's fingerprint (the hash is hex, so the last colon ends the tenant). */
  static String tenantOf(DocumentChunkState state) {
    int colon = state.contentHash().lastIndexOf(':');
    return colon <= 0 ? DocumentKey.DEFAULT_TENANT : state.contentHash().substring(0, colon);
  }

  private void tombstone(Record<String, ExtractedDocument> cause, DocumentKey document, String chunkId) {
    context.forward(new Record<String, Chunk>(chunkId, null, cause.timestamp(), docHeader(document, cause.headers())));
    tombstones.increment();
  }

  /**
   * Every chunk record names its document (docId and tenant): a tombstone has no value to say it. A live document's
   * chunks stay in the live lane ({@link Priority}).
   */
  private static RecordHeaders docHeader(DocumentKey document, Headers cause) {
    RecordHeaders headers = new RecordHeaders();
    document.addTo(headers);
    Priority.propagate(cause, headers);
    return headers;
  }
}
