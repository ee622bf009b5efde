package io.ragstream.schemas;

import io.ragstream.schemas.Topic.CleanupPolicy;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.DocumentProgress;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IngestRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed topic registry: every topic of the pipeline, declared once. The README's topic table mirrors this class
 * ({@code TopicsTest} keeps them in step).
 *
 * <p>Keys: everything about one document is keyed by its {@link DocumentKey} (tenant, docId) and partitioned by the
 * docId ({@link DocumentKey#partition}) so that a document's records stay in order. Chunk and embedding records are
 * keyed by chunkId (so compaction keeps the latest state of each chunk) but partitioned by docId through {@link
 * ChunkIds#partition}.
 *
 * <p>Values: each Avro topic declares its record class; the serde comes from {@link Topic#valueSerde(SerdeSettings)}
 * (single-object encoding by default, the Confluent wire format through a schema registry when configured). In
 * registry mode each Avro topic's values have the subject {@code <topic>-value}.
 */
public final class Topics {
  public static final String DEFAULT_PREFIX = "ragstream.";
  public static final int DEFAULT_PARTITIONS = 3;

  private static final Serde<String> KEY = Serdes.String();

  public static final Topic<String, IngestRequest> INGEST =
      new Topic<>("ingest", KEY, IngestRequest.class, CleanupPolicy.DELETE, DEFAULT_PARTITIONS,
          "IngestRequest per document (UPSERT or DELETE); key DocumentKey (tenant, docId)");
  public static final Topic<String, ExtractedDocument> DOCUMENTS =
      new Topic<>("documents", KEY, ExtractedDocument.class, CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "latest extracted version of each document, tombstone on delete; key DocumentKey");
  public static final Topic<String, Chunk> CHUNKS =
      new Topic<>("chunks", KEY, Chunk.class, CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "current chunks, tombstones for vanished ones; key chunkId, partitioned by docId");
  public static final Topic<String, EmbeddedChunk> EMBEDDINGS =
      new Topic<>("embeddings", KEY, EmbeddedChunk.class, CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "chunks with their vectors and model id, tombstones pass through; key chunkId, partitioned by docId");
  public static final Topic<String, IndexEvent> INDEX_EVENTS =
      new Topic<>("index-events", KEY, IndexEvent.class, CleanupPolicy.DELETE, DEFAULT_PARTITIONS,
          "one event per document whose chunks a store committed; key DocumentKey");
  /** Written by the status tracker, which derives it from the topics above; read by the query service. */
  public static final Topic<String, DocumentProgress> STATUS =
      new Topic<>("status", KEY, DocumentProgress.class, CleanupPolicy.COMPACT, DEFAULT_PARTITIONS,
          "where each document is in the pipeline (DocumentProgress); key DocumentKey");
  public static final Topic<byte[], byte[]> DLQ_EXTRACT = deadLetters("extract");
  public static final Topic<byte[], byte[]> DLQ_CHUNKER = deadLetters("chunker");
  public static final Topic<byte[], byte[]> DLQ_EMBEDDER = deadLetters("embedder");
  public static final Topic<byte[], byte[]> DLQ_INDEXER = deadLetters("indexer");

  /** Every topic, in pipeline order. */
  public static final List<Topic<?, ?>> ALL =
      List.of(INGEST, DOCUMENTS, CHUNKS, EMBEDDINGS, INDEX_EVENTS, STATUS, DLQ_EXTRACT, DLQ_CHUNKER, DLQ_EMBEDDER,
          DLQ_INDEXER);

  /** The dead-letter topic of each stage, by stage name, in pipeline order. */
  public static final SequencedMap<String, Topic<byte[], byte[]>> DEAD_LETTERS = deadLetterTopics();

  private Topics() {}

  private static SequencedMap<String, Topic<byte[], byte[]>> deadLetterTopics() {
    SequencedMap<String, Topic<byte[], byte[]>> topics = new LinkedHashMap<>();
    for (Topic<byte[], byte[]> topic : List.of(DLQ_EXTRACT, DLQ_CHUNKER, DLQ_EMBEDDER, DLQ_INDEXER)) {
      topics.put(topic.suffix().substring("dlq.".length()), topic);
    }
    return Collections.unmodifiableSequencedMap(topics);
  }

  private static Topic<byte[], byte[]> deadLetters(String stage) {
    return new Topic<>("dlq." + stage, Serdes.ByteArray(), byte[].class, CleanupPolicy.DELETE, 1,
        "records the " + stage + " stage could not process: original key/value, error headers");
  }
}
