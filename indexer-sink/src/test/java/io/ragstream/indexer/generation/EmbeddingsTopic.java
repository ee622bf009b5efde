package io.ragstream.indexer.generation;

import io.ragstream.indexer.TestChunks;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;

/** The embeddings topic as the generation-following indexer ITs write and hand it over. */
public final class EmbeddingsTopic {
  public static final int DIM = 8;
  private static final Serializer<EmbeddedChunk> EMBEDDINGS =
      Topics.EMBEDDINGS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer();

  private EmbeddingsTopic() {}

  /**
   * Produces {@code count} embedded chunks of model test-model, five per document ({@code <prefix>-doc-<n>}), then
   * a tombstone for {@code tombstone} if given; returns the chunk ids, each {@code <docId>|<hash>}.
   */
  public static List<String> produce(KafkaSettings settings, String prefix, int count, String tombstone)
      throws Exception {
    List<String> ids = new ArrayList<>();
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(settings.producer("follow-it"))) {
      for (int i = 0; i < count; i++) {
        String docId = prefix + "-doc-" + (i / 5);
        String text = prefix + " chunk " + i + " about lighthouses";
        String chunkId = docId + "|" + ChunkIds.chunkId(docId, "test", text);
        Chunk chunk = Chunk.newBuilder().setChunkId(chunkId).setDocId(docId).setTenant("default")
            .setDocumentVersion(1).setOrdinal(i % 5).setTitle(null).setHeadings(List.of()).setText(text)
            .setTokenCount(6).setContentHash(ChunkIds.sha256(text)).setChunkerVersion("test").setSourceName(null)
            .setMetadata(Map.of()).setIngestedAt(Instant.now()).build();
        List<Float> vector = new ArrayList<>();
        for (float v : TestChunks.vector(i, DIM)) {
          vector.add(v);
        }
        producer.send(new ProducerRecord<>(topic, chunkId.getBytes(StandardCharsets.UTF_8),
            EMBEDDINGS.serialize(topic, new EmbeddedChunk(chunk, "test-model", DIM, vector)))).get();
        ids.add(chunkId);
      }
      if (tombstone != null) {
        producer.send(new ProducerRecord<>(topic, tombstone.getBytes(StandardCharsets.UTF_8), null)).get();
      }
    }
    return ids;
  }

  /** The topic's end offsets, as a replay hands them over to the new generation's indexer group. */
  public static Map<TopicPartition, OffsetAndMetadata> endOffsets(KafkaSettings settings) throws Exception {
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < Topics.EMBEDDINGS.partitions(); p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    try (Admin admin = Admin.create(settings.admin())) {
      admin.listOffsets(latest).all().get().forEach((p, i) -> offsets.put(p, new OffsetAndMetadata(i.offset())));
    }
    return offsets;
  }
}
