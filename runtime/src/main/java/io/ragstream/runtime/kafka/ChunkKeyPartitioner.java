package io.ragstream.runtime.kafka;

import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;

/**
 * Routes records of the chunk-keyed topics by their document ({@link ChunkIds#partition}) so a document's chunk
 * upserts and tombstones keep their order; every other (document-keyed) topic by the docId part of its
 * {@link DocumentKey} ({@link DocumentKey#partition}): murmur2 of the docId, which is Kafka's default for a key
 * without a tenant (the default tenant's, and every key written before tenant-scoped identity), so a document's
 * records before and after the upgrade share a partition.
 */
public final class ChunkKeyPartitioner implements Partitioner {
  private static final String CHUNKS = "." + Topics.CHUNKS.suffix();
  private static final String EMBEDDINGS = "." + Topics.EMBEDDINGS.suffix();

  @Override
  public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
    int partitions = cluster.partitionCountForTopic(topic);
    if (keyBytes == null) {
      return 0; // the dead-letter topics have one partition; nothing else is produced without a key
    }
    String dotted = "." + topic;
    if (dotted.endsWith(CHUNKS) || dotted.endsWith(EMBEDDINGS)) {
      return ChunkIds.partition(new String(keyBytes, StandardCharsets.UTF_8), partitions);
    }
    return DocumentKey.partition(keyBytes, partitions);
  }

  @Override
  public void configure(Map<String, ?> configs) {}

  @Override
  public void close() {}
}
