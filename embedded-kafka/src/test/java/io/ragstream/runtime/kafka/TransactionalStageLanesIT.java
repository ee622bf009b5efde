package io.ragstream.runtime.kafka;

import static io.ragstream.runtime.kafka.CopyTopics.bytes;
import static io.ragstream.runtime.kafka.CopyTopics.readCommitted;
import static io.ragstream.runtime.kafka.CopyTopics.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.schemas.Priority;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live lane on a real broker: a live document queued behind a bulk backlog in the same partition is processed
 * and committed first, bulk transactions keep their bound, and every record still comes out exactly once, in order
 * per document.
 */
class TransactionalStageLanesIT {
  @TempDir Path dataDir;

  @Test
  void aLiveDocumentOvertakesABacklogAndEveryRecordIsDeliveredOnceInOrderPerDocument() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      KafkaSettings settings = CopyTopics.create(kafka);
      // 40 bulk documents of 5 records; the page's first version is bulk and sits early in the backlog, its live
      // version (two records) at the very end
      List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
      for (int d = 0; d < 40; d++) {
        for (int r = 0; r < 5; r++) {
          input.add(new ProducerRecord<>("in", bytes("bulk" + d + ":" + r), bytes("bulk" + d + ":" + r)));
        }
        if (d == 3) {
          input.add(new ProducerRecord<>("in", bytes("page:0"), bytes("page:0")));
        }
      }
      for (int r = 1; r <= 2; r++) {
        ProducerRecord<byte[], byte[]> live = new ProducerRecord<>("in", bytes("page:" + r), bytes("page:" + r));
        Priority.markLive(live.headers());
        input.add(live);
      }
      send(settings, input);

      List<List<String>> transactions = Collections.synchronizedList(new ArrayList<>());
      BatchProcessor copy = batch -> {
        transactions.add(batch.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList());
        return batch.stream().map(r -> new ProducerRecord<>("out", null, r.key(), r.value(), r.headers())).toList();
      };
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      TransactionalStage.Lanes lanes = new TransactionalStage.Lanes(r -> Priority.isLive(r.headers()),
          r -> new String(r.key(), StandardCharsets.UTF_8).split(":")[0], 16, 1000);
      TransactionalStage stage = new TransactionalStage("lanes", "0", settings, List.of("in"), 50, copy, metrics)
          .withLanes(lanes, metrics);
      Thread worker = Thread.ofPlatform().name("lanes-stage").start(stage);
      List<String> out;
      try {
        out = readCommitted(settings, "out", input.size(), Duration.ofSeconds(60));
      } finally {
        stage.close();
        worker.join(30_000);
      }

      assertThat(out).as("every input exactly once").hasSize(input.size()).doesNotHaveDuplicates();
      assertThat(transactions.getFirst()).as("the live page, with its earlier bulk record, goes first")
          .containsExactly("page:0", "page:1", "page:2");
      assertThat(out.subList(0, 3)).containsExactly("page:0", "page:1", "page:2");
      assertThat(transactions).as("bulk transactions keep their bound")
          .allSatisfy(t -> assertThat(t).hasSizeLessThanOrEqualTo(16));
      Map<String, List<Integer>> perDocument = new LinkedHashMap<>();
      for (String value : out) {
        String[] parts = value.split(":");
        perDocument.computeIfAbsent(parts[0], d -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
      }
      assertThat(perDocument).hasSize(41);
      perDocument.forEach((doc, order) -> assertThat(order).as(doc + " in order").isSorted());
      assertThat(metrics.counter("ragstream.stage.records.live", "stage", "lanes").count()).isEqualTo(2.0);
    }
  }
}
