package io.ragstream.launcher;

import io.ragstream.runtime.kafka.KafkaSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.ListOffsetsOptions;

/** Committed offset, end offset and lag of every ragstream consumer group (the stages and the chunker). */
final class ConsumerLag {
  record Row(String group, String topic, int partition, long committed, long end, long lag) {}

  private ConsumerLag() {}

  @SuppressWarnings("deprecation") // listConsumerGroups: its replacement listGroups is not in every 4.x client
  static List<Row> read(KafkaSettings kafka) throws ExecutionException, InterruptedException {
    List<Row> rows = new ArrayList<>();
    try (Admin admin = Admin.create(kafka.admin())) {
      List<String> groups = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId)
          .filter(g -> g.startsWith(kafka.topicPrefix())).sorted().toList();
      for (String group : groups) {
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        // read_committed end offsets: transaction markers are not lag
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
            committed.keySet().stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())),
            new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
        committed.entrySet().stream()
            .sorted(Comparator.comparing((Map.Entry<TopicPartition, OffsetAndMetadata> e) -> e.getKey().topic())
                .thenComparingInt(e -> e.getKey().partition()))
            .forEach(e -> {
              long end = ends.get(e.getKey()).offset();
              long offset = e.getValue() == null ? 0 : e.getValue().offset();
              rows.add(new Row(group, e.getKey().topic(), e.getKey().partition(), offset, end,
                  Math.max(0, end - offset)));
            });
      }
    }
    return rows;
  }
}
