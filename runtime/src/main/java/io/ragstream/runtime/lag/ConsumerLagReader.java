package io.ragstream.runtime.lag;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/** Reads a {@link LagSnapshot} of the consumer groups whose id starts with the topic prefix, with an Admin client. */
public final class ConsumerLagReader {
  private ConsumerLagReader() {}

  @SuppressWarnings("deprecation") // listConsumerGroups: its replacement listGroups is not in every 4.x client
  public static LagSnapshot read(Admin admin, String groupPrefix) throws ExecutionException, InterruptedException {
    List<String> groups = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId)
        .filter(g -> g.startsWith(groupPrefix)).sorted().toList();
    Map<String, Map<TopicPartition, OffsetAndMetadata>> committedByGroup = new HashMap<>();
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      committedByGroup.put(group, committed);
      committed.keySet().forEach(tp -> request.put(tp, OffsetSpec.latest()));
    }
    // A partition the group never committed on (no record of it processed yet) still has lag: the group will start
    // there from the earliest offset (auto.offset.reset=earliest), so that is its committed position for now.
    Set<String> topics = new TreeSet<>();
    committedByGroup.values().forEach(c -> c.keySet().forEach(tp -> topics.add(tp.topic())));
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    if (!topics.isEmpty()) {
      admin.describeTopics(topics).allTopicNames().get().forEach((topic, description) ->
          description.partitions().forEach(p -> {
            TopicPartition tp = new TopicPartition(topic, p.partition());
            request.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
          }));
    }
    // read_committed end offsets: records of open transactions are not lag yet
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = request.isEmpty() ? Map.of()
        : admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
        : admin.listOffsets(earliest).all().get();
    List<LagSnapshot.PartitionLag> rows = new ArrayList<>();
    committedByGroup.forEach((group, committed) -> {
      Set<String> groupTopics = new TreeSet<>();
      committed.keySet().forEach(tp -> groupTopics.add(tp.topic()));
      starts.forEach((tp, start) -> {
        if (groupTopics.contains(tp.topic())) {
          OffsetAndMetadata offset = committed.get(tp);
          rows.add(new LagSnapshot.PartitionLag(group, tp.topic(), tp.partition(),
              offset == null ? start.offset() : offset.offset(), ends.get(tp).offset()));
        }
      });
    });
    rows.sort(Comparator.comparing(LagSnapshot.PartitionLag::group).thenComparing(LagSnapshot.PartitionLag::topic)
        .thenComparingInt(LagSnapshot.PartitionLag::partition));
    return new LagSnapshot(Instant.now(), groups, rows);
  }
}
