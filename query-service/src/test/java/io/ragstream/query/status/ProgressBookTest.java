package io.ragstream.query.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.AvroSerde;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.DocumentProgress;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import io.ragstream.schemas.avro.ProgressState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class ProgressBookTest {
  private static final String P = Topics.DEFAULT_PREFIX;
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private final ProgressBook book = new ProgressBook(P, SerdeSettings.SINGLE_OBJECT);

  @Test
  void aDocumentWalksFromIngestedToIndexedWithCountsAndTimeToSearchable() {
    apply(ingest("d", 7, 0));
    assertThat(state("d")).isEqualTo(ProgressState.INGESTED);
    apply(document("d", 7, "h1", 100));
    apply(chunk("d", 7, "c1", 200));
    apply(chunk("d", 7, "c2", 210));
    assertThat(state("d")).isEqualTo(ProgressState.CHUNKED);
    apply(embedding("d", 7, "c1", 300));
    apply(embedding("d", 7, "c2", 310));
    apply(indexEvent("d", 7, IndexEventKind.INDEXED, 2, 450));

    DocumentProgress p = book.get("d").orElseThrow();
    assertThat(p.getState()).isEqualTo(ProgressState.INDEXED);
    assertThat(p.getVersion()).isEqualTo(7);
    assertThat(p.getChunksNew()).isEqualTo(2);
    assertThat(p.getChunksEmbedded()).isEqualTo(2);
    assertThat(p.getChunksIndexed()).isEqualTo(2);
    assertThat(p.getTimeToSearchableMs()).isEqualTo(450);
    assertThat(p.getExtractedAt()).isEqualTo(T0.plusMillis(100));
  }

  @Test
  void aScanOcrdByTheExtractStageShowsItsPagesAndLanguageInTheStatusUntilANewVersionWithoutOcr() {
    apply(ingest("scan", 3, 0));
    apply(document("scan", 3, "h1", 100, Map.of("ocr", "true", "ocrPages", "2", "ocrLanguage", "eng")));

    DocumentProgress p = book.get("scan").orElseThrow();
    assertThat(p.getOcr().getPages()).isEqualTo(2);
    assertThat(p.getOcr().getLanguage()).isEqualTo("eng");
    Map<String, Object> json = ProgressJson.of(p);
    assertThat(json).containsEntry("ocr", true).containsEntry("ocrPages", 2).containsEntry("ocrLanguage", "eng")
        .doesNotContainKey("ocrSkipped");

    // the same docId re-published as a text file: the new version says nothing of OCR
    apply(ingest("scan", 9, 200));
    apply(document("scan", 9, "h2", 300, Map.of("author", "Ada")));
    assertThat(book.get("scan").orElseThrow().getOcr()).isNull();
    assertThat(ProgressJson.of(book.get("scan").orElseThrow())).doesNotContainKeys("ocr", "ocrPages");
  }

  @Test
  void aScanOverThePageCapShowsWhyItWasNotOcrd() {
    apply(ingest("big", 1, 0));
    apply(document("big", 1, "h", 10, Map.of("ocrSkipped", "80 pages, over the OCR page cap of 50")));

    Map<String, Object> json = ProgressJson.of(book.get("big").orElseThrow());
    assertThat(json).containsEntry("ocr", false)
        .containsEntry("ocrSkipped", "80 pages, over the OCR page cap of 50").doesNotContainKey("ocrPages");
  }

  @Test
  void aBatchReadAgainAfterAnAbortedTransactionCountsNothingTwiceButStillNamesTheDocument() {
    List<ConsumerRecord<byte[], byte[]>> batch = List.of(ingest("d", 1, 0), chunk("d", 1, "c1", 10),
        chunk("d", 1, "c2", 11));
    batch.forEach(this::apply);

    assertThat(batch.stream().map(book::apply)).containsOnly(Optional.of("d"));
    assertThat(book.get("d").orElseThrow().getChunksNew()).isEqualTo(2);
  }

  @Test
  void aNewerVersionStartsOverAndRecordsOfTheOlderOneAreIgnored() {
    apply(ingest("d", 1, 0));
    apply(chunk("d", 1, "c1", 10));
    apply(ingest("d", 5, 20));
    assertThat(state("d")).isEqualTo(ProgressState.INGESTED);

    apply(embedding("d", 1, "c1", 30)); // late record of version 1

    DocumentProgress p = book.get("d").orElseThrow();
    assertThat(p.getVersion()).isEqualTo(5);
    assertThat(p.getChunksNew()).isZero();
    assertThat(p.getEmbeddedAt()).isNull();
  }

  @Test
  void aDeadLetterMarksTheDocumentFailedWithItsReasonUntilANewVersionArrives() {
    apply(ingest("d", 3, 0));
    RecordHeaders headers = new RecordHeaders();
    headers.add(ErrorHeaders.REASON, "corrupt".getBytes(StandardCharsets.UTF_8));
    headers.add(ErrorHeaders.EXCEPTION_MESSAGE, "bad PDF".getBytes(StandardCharsets.UTF_8));
    apply(record(Topics.DLQ_EXTRACT.name(P), 0, 0, 50, "d", new byte[] {1}, headers));

    DocumentProgress failed = book.get("d").orElseThrow();
    assertThat(failed.getState()).isEqualTo(ProgressState.FAILED);
    assertThat(failed.getDeadLetter().getStage()).isEqualTo("extract");
    assertThat(failed.getDeadLetter().getReason()).isEqualTo("corrupt");
    assertThat(failed.getDeadLetter().getMessage()).isEqualTo("bad PDF");

    apply(ingest("d", 9, 60));
    assertThat(state("d")).isEqualTo(ProgressState.INGESTED);
  }

  @Test
  void anIdenticalRepublishIsUnchangedBecauseTheChunkerEmitsNothingForIt() {
    apply(ingest("d", 1, 0));
    apply(document("d", 1, "same", 10));
    apply(indexEvent("d", 1, IndexEventKind.INDEXED, 1, 20));
    apply(ingest("d", 2, 30));
    apply(document("d", 2, "same", 40));

    assertThat(state("d")).isEqualTo(ProgressState.UNCHANGED);
  }

  @Test
  void aDeleteEndsAsDeletedOnceTheIndexerRemovedTheChunks() {
    apply(ingest("d", 1, 0));
    apply(record(Topics.INGEST.name(P), 0, 2, 10, "d", INGEST.encode(request("d", Operation.DELETE, 10)), null));
    apply(record(Topics.DOCUMENTS.name(P), 0, 1, 20, "d", null, null));
    assertThat(state("d")).isEqualTo(ProgressState.EXTRACTED);
    apply(indexEvent("d", 2, IndexEventKind.DELETED, 0, 30));

    assertThat(state("d")).isEqualTo(ProgressState.DELETED);
  }

  @Test
  void anUndecodableRecordIsSkippedRatherThanStallingTheTracker() {
    assertThat(book.apply(record(Topics.DOCUMENTS.name(P), 0, 0, 0, "poison", new byte[] {1, 2, 3, 4}, null)))
        .isEmpty();
    apply(ingest("d", 1, 0));
    assertThat(state("d")).isEqualTo(ProgressState.INGESTED);
  }

  @Test
  void theSameDocIdInTwoTenantsIsTwoDocumentsAndAKeyFromBeforeTenantsIsPlacedByItsValue() {
    String acme = DocumentKey.encode("acme", "d");
    String globex = DocumentKey.encode("globex", "d");
    // acme's version keyed the old way (docId alone), globex's the new way
    assertThat(book.apply(record(Topics.INGEST.name(P), 0, 1, 0, "d", INGEST.encode(request("acme", "d", 0)),
        null))).hasValue(acme);
    assertThat(book.apply(record(Topics.INGEST.name(P), 0, 2, 5, globex, INGEST.encode(request("globex", "d", 5)),
        null))).hasValue(globex);
    apply(record(Topics.INDEX_EVENTS.name(P), 0, 3, 50, acme, EVENTS.encode(IndexEvent.newBuilder().setDocId("d")
        .setTenant("acme").setKind(IndexEventKind.INDEXED).setDocumentVersion(1L).setChunksUpserted(1)
        .setChunksDeleted(0).setStore("lucene").setGeneration("g1").setIndexedAt(T0.plusMillis(50)).build()), null));

    assertThat(book.get("acme", "d").orElseThrow().getState()).isEqualTo(ProgressState.INDEXED);
    assertThat(book.get("globex", "d").orElseThrow().getState()).isEqualTo(ProgressState.INGESTED);
    assertThat(book.get("default", "d")).isEmpty();

    // globex's delete (tombstone headers name the tenant) is globex's alone
    RecordHeaders headers = new RecordHeaders();
    DocumentKey.of("globex", "d").addTo(headers);
    assertThat(book.apply(record(Topics.CHUNKS.name(P), 0, 4, 60, "c-g", null, headers))).hasValue(globex);
    assertThat(book.apply(record(Topics.DOCUMENTS.name(P), 0, 5, 61, globex, null, headers))).hasValue(globex);
    assertThat(book.get("globex", "d").orElseThrow().getOperation().name()).isEqualTo("DELETE");
    assertThat(book.get("acme", "d").orElseThrow().getOperation().name()).isEqualTo("UPSERT");
    assertThat(book.get("acme", "d").orElseThrow().getTenant()).isEqualTo("acme");
  }

  private static IngestRequest request(String tenant, String docId, long at) {
    return IngestRequest.newBuilder().setDocId(docId).setTenant(tenant).setOperation(Operation.UPSERT)
        .setIngestedAt(T0.plusMillis(at)).build();
  }

  private static final AvroSerde<IngestRequest> INGEST = AvroSerde.of(IngestRequest.class);
  private static final AvroSerde<ExtractedDocument> DOCUMENTS = AvroSerde.of(ExtractedDocument.class);
  private static final AvroSerde<Chunk> CHUNKS = AvroSerde.of(Chunk.class);
  private static final AvroSerde<EmbeddedChunk> EMBEDDINGS = AvroSerde.of(EmbeddedChunk.class);
  private static final AvroSerde<IndexEvent> EVENTS = AvroSerde.of(IndexEvent.class);

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    book.apply(record);
  }

  private ProgressState state(String docId) {
    return book.get(docId).orElseThrow().getState();
  }

  private static IngestRequest request(String docId, Operation op, long at) {
    return IngestRequest.newBuilder().setDocId(docId).setOperation(op).setIngestedAt(T0.plusMillis(at)).build();
  }

  private static ConsumerRecord<byte[], byte[]> ingest(String docId, long offset, long at) {
    return record(Topics.INGEST.name(P), 0, offset, at, docId, INGEST.encode(request(docId, Operation.UPSERT, at)),
        null);
  }

  private static ConsumerRecord<byte[], byte[]> document(String docId, long version, String hash, long at) {
    return document(docId, version, hash, at, Map.of());
  }

  private static ConsumerRecord<byte[], byte[]> document(String docId, long version, String hash, long at,
      Map<String, String> metadata) {
    ExtractedDocument doc = ExtractedDocument.newBuilder().setDocId(docId).setContentHash(hash).setVersion(version)
        .setIngestedAt(T0).setBlocks(List.of()).setMetadata(metadata).build();
    return record(Topics.DOCUMENTS.name(P), 0, version, at, docId, DOCUMENTS.encode(doc), null);
  }

  private static Chunk chunkValue(String docId, long version, String chunkId) {
    return Chunk.newBuilder().setChunkId(chunkId).setDocId(docId).setDocumentVersion(version).setOrdinal(0)
        .setText("t").setTokenCount(1).setContentHash("x").setChunkerVersion("1").setIngestedAt(T0).build();
  }

  private static ConsumerRecord<byte[], byte[]> chunk(String docId, long version, String chunkId, long at) {
    return record(Topics.CHUNKS.name(P), 0, at, at, chunkId, CHUNKS.encode(chunkValue(docId, version, chunkId)), null);
  }

  private static ConsumerRecord<byte[], byte[]> embedding(String docId, long version, String chunkId, long at) {
    EmbeddedChunk e = EmbeddedChunk.newBuilder().setChunk(chunkValue(docId, version, chunkId)).setModelId("m")
        .setDimension(1).setVector(List.of(1f)).build();
    return record(Topics.EMBEDDINGS.name(P), 0, at, at, chunkId, EMBEDDINGS.encode(e), null);
  }

  private static ConsumerRecord<byte[], byte[]> indexEvent(String docId, long version, IndexEventKind kind,
      int upserted, long at) {
    IndexEvent e = IndexEvent.newBuilder().setDocId(docId).setKind(kind).setDocumentVersion(version)
        .setChunksUpserted(upserted).setChunksDeleted(0).setStore("lucene").setGeneration("g1").setIngestedAt(T0)
        .setIndexedAt(T0.plusMillis(at)).build();
    return record(Topics.INDEX_EVENTS.name(P), 0, at, at, docId, EVENTS.encode(e), null);
  }

  private static ConsumerRecord<byte[], byte[]> record(String topic, int partition, long offset, long at, String key,
      byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>(topic, partition, offset, T0.plusMillis(at).toEpochMilli(), TimestampType.CREATE_TIME,
        -1, -1, key.getBytes(StandardCharsets.UTF_8), value, headers == null ? new RecordHeaders() : headers,
        Optional.empty());
  }
}
