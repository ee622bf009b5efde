package io.ragstream.schemas;

import io.ragstream.schemas.Topic.CleanupPolicy;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IngestRequest;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic registry: every topic of the pipeline, declared once. The README's topic table mirrors this class
 * ({@code TopicsTest} keeps them in step).
 *
 * <p>Keys: everything about one document is keyed (or partitioned) by docId so that a document's records stay in
 * order. Chunk and embedding records are keyed by chunkId (so compaction keeps the latest state of each chunk) but
 * partitioned by docId through {@link ChunkIds#partition}.
 */
public final class Topics {
  public static final String DEFAULT_PREFIX = "ragstream.";
  public static final int DEFAULT_PARTITIONS = 3;

  private static final Serde<String> KEY = Serdes.String();

  public static final Topic<String, IngestRequest> INGEST =
      new Topic<>("ingest", KEY, AvroSerde.of(IngestRequest.class), CleanupPolicy.DELETE, DEFAULT_PARTITIONS,
          "IngestRequest per document (UPSERT or DELETE); key docId");
  public static final Topic<String, ExtractedDocument> DOCUMENTS =
      new Topic<>("documents", KEY, AvroSerde.of(ExtractedDocument.class), CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "latest extracted version of each document, tombstone on delete; key docId");
  public static final Topic<String, Chunk> CHUNKS =
      new Topic<>("chunks", KEY, AvroSerde.of(Chunk.class), CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "current chunks, tombstones for vanished ones; key chunkId, partitioned by docId");
  public static final Topic<String, EmbeddedChunk> EMBEDDINGS =
      new Topic<>("embeddings", KEY, AvroSerde.of(EmbeddedChunk.class), CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "chunks with their vectors and model id, tombstones pass through; key chunkId, partitioned by docId");
  public static final Topic<String, IndexEvent> INDEX_EVENTS =
      new Topic<>("index-events", KEY, AvroSerde.of(IndexEvent.class), CleanupPolicy.DELETE, DEFAULT_PARTITIONS,
          "one event per document whose chunks a store committed; key docId");
  public static final Topic<byte[], byte[]> DLQ_EXTRACT = deadLetters("extract");
  public static final Topic<byte[], byte[]> DLQ_CHUNKER = deadLetters("chunker");
  public static final Topic<byte[], byte[]> DLQ_EMBEDDER = deadLetters("embedder");
  public static final Topic<byte[], byte[]> DLQ_INDEXER = deadLetters("indexer");

  /** Every topic, in pipeline order. */
  public static final List<Topic<?, ?>> ALL =
      List.of(INGEST, DOCUMENTS, CHUNKS, EMBEDDINGS, INDEX_EVENTS, DLQ_EXTRACT, DLQ_CHUNKER, DLQ_EMBEDDER, DLQ_INDEXER);

  private Topics() {}

  private static Topic<byte[], byte[]> deadLetters(String stage) {
    return new Topic<>("dlq." + stage, Serdes.ByteArray(), Serdes.ByteArray(), CleanupPolicy.DELETE, 1,
        "records the " + stage + " stage could not process: original key/value, error headers");
  }
}
