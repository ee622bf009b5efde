package io.ragstream.launcher;

import io.ragstream.embedder.EmbedBatchProcessor;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One polled batch of the compacted chunks topic, as a write to a new generation: chunks embedded with the
 * generation's model (the same text the embedder stage embeds), tombstones as deletes, last record per chunk id
 * winning. No Kafka client in here: the poll loop is {@link GenerationCommands.Replay}.
 */
final class ReplayPlan {
  private ReplayPlan() {}

  static WriteBatch of(List<ConsumerRecord<byte[], byte[]>> records, Deserializer<Chunk> chunkValues,
      EmbeddingModel model) {
    Map<String, Chunk> upserts = new LinkedHashMap<>();
    Set<String> deletes = new LinkedHashSet<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (record.key() == null) {
        continue; // the live pipeline dead-letters these; a replay only rebuilds what the live index could hold
      }
      String chunkId = new String(record.key(), StandardCharsets.UTF_8);
      if (record.value() == null) {
        upserts.remove(chunkId);
        deletes.add(chunkId);
      } else {
        deletes.remove(chunkId);
        upserts.put(chunkId, chunkValues.deserialize(record.topic(), record.value()));
      }
    }
    List<Chunk> chunks = List.copyOf(upserts.values());
    float[][] vectors = chunks.isEmpty() ? new float[0][]
        : model.embedAll(chunks.stream().map(EmbedBatchProcessor::embeddingText).toList());
    List<StoredChunk> stored = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      stored.add(new StoredChunk(c.getChunkId(), c.getDocId(), c.getTenant(), c.getDocumentVersion(), c.getOrdinal(),
          c.getTitle(), c.getHeadings(), c.getText(), c.getSourceName(), c.getMetadata(), model.id(), vectors[i],
          c.getIngestedAt().toEpochMilli()));
    }
    return new WriteBatch(stored, List.copyOf(deletes));
  }
}
