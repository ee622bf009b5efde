package io.ragstream.chunker;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/** The chunker's topology: documents → (chunk + diff against the document's previous chunks) → chunks. */
public final class ChunkerTopology {
  private ChunkerTopology() {}

  /**
   * The topology over the topics under {@code topicPrefix}, with document and chunk values in the encoding of
   * {@code serdes} (Kafka Streams gets the same serdes as the plain-consumer stages).
   */
  public static Topology build(String topicPrefix, SerdeSettings serdes, DocumentChunker chunker,
      MeterRegistry metrics) {
    Topology topology = new Topology();
    topology.addSource("documents", Serdes.String().deserializer(), Topics.DOCUMENTS.valueSerde(serdes).deserializer(),
        Topics.DOCUMENTS.name(topicPrefix));
    topology.addProcessor("chunk-diff", () -> new ChunkDiffProcessor(chunker, metrics), "documents");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ChunkDiffProcessor.STORE),
        Serdes.String(), DocumentChunkState.serde()), "chunk-diff");
    topology.addSink("chunks", Topics.CHUNKS.name(topicPrefix), Serdes.String().serializer(),
        Topics.CHUNKS.valueSerde(serdes).serializer(), byDocument(), "chunk-diff");
    return topology;
  }

  /** Keeps every record of a document, tombstones included, in its document's partition. */
  private static StreamPartitioner<String, Chunk> byDocument() {
    return new StreamPartitioner<>() {
      @Override
      public Optional<Set<Integer>> partitions(String topic, String chunkId, Chunk value, int numPartitions) {
        return Optional.of(Set.of(ChunkIds.partition(chunkId, numPartitions)));
      }
    };
  }
}
