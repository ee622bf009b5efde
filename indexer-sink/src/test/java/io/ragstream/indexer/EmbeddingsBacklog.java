package io.ragstream.indexer;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What the indexer ITs ask the broker: how far a group's committed offsets trail the embeddings topic. */
final class EmbeddingsBacklog {

  private EmbeddingsBacklog() {
  }

  /** End offsets minus the group's committed offsets on the embeddings topic (a partition never committed: all). */
  static long committedLag(KafkaSettings settings, String group) throws Exception {
    String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
    try (Admin admin = Admin.create(settings.admin())) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int p = 0; p < Topics.EMBEDDINGS.partitions(); p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      long lag = 0;
      for (var end : admin.listOffsets(latest).all().get().entrySet()) {
        OffsetAndMetadata done = committed.get(end.getKey());
        lag += end.getValue().offset() - (done == null ? 0 : done.offset());
      }
      return lag;
    }
  }
}
