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
          input.add(record("bulk" + d + ":" + r, false));
        }
        if (d == 3) {
          input.add(record("page:0", false));
        }
      }
      for (int r = 1; r <= 2; r++) {
        input.add(record("page:" + r, true));
      }
      send(settings, input);

      List<List<String>> transactions = Collections.synchronizedList(new ArrayList<>());
      BatchProcessor copy = batch -> {
        transactions.add(keys(batch));
        return copies(batch);
      };
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      TransactionalStage stage = new TransactionalStage("lanes", "0", settings, List.of("in"), 50, copy, metrics)
          .withLanes(lanes(16), metrics);
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

  @Test
  void aLiveDocumentIsCommittedWhileTheBulkTransactionIsStillBeingProcessed() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
      KafkaSettings settings = CopyTopics.create(kafka);
      List<ProducerRecord<byte[], byte[]>> bulk = new ArrayList<>();
      for (int d = 0; d < 4; d++) {
        for (int r = 0; r < 5; r++) {
          bulk.add(record("bulk" + d + ":" + r, false));
        }
      }
      send(settings, bulk);

      java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      List<List<String>> bulkTransactions = Collections.synchronizedList(new ArrayList<>());
      List<List<String>> liveTransactions = Collections.synchronizedList(new ArrayList<>());
      BatchProcessor slowBulk = batch -> {
        entered.countDown();
        if (!release.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the bulk transaction");
        }
        bulkTransactions.add(keys(batch));
        return copies(batch);
      };
      BatchProcessor live = batch -> {
        liveTransactions.add(keys(batch));
        return copies(batch);
      };
      SimpleMeterRegistry metrics = new SimpleMeterRegistry();
      TransactionalStage stage = new TransactionalStage("lanes", "0", settings, List.of("in"), 50, slowBulk, metrics)
          .withLanes(lanes(8), live, metrics);
      Thread worker = Thread.ofPlatform().name("lanes-stage").start(stage);
      List<String> first;
      List<String> all;
      try {
        assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("bulk transaction started").isTrue();
        // a live page, and a live record of bulk0, whose first records are in the transaction being processed:
        // bulk0 must wait for it, the page must not
        List<ProducerRecord<byte[], byte[]>> later = new ArrayList<>();
        for (String key : List.of("page:0", "page:1", "bulk0:5")) {
          later.add(record(key, true));
        }
        send(settings, later);
        first = readCommitted(settings, "out", 2, Duration.ofSeconds(30));
        assertThat(release.getCount()).as("the bulk transaction is still being processed").isEqualTo(1);
        release.countDown();
        all = readCommitted(settings, "out", bulk.size() + later.size(), Duration.ofSeconds(60));
      } finally {
        release.countDown();
        stage.close();
        worker.join(30_000);
      }

      assertThat(first).as("committed while the bulk transaction was processed").containsExactly("page:0", "page:1");
      assertThat(bulkTransactions.getFirst()).as("the first bulk transaction, within its bound")
          .startsWith("bulk0:0").hasSizeLessThanOrEqualTo(8);
      // (the page's two records may come in one poll or two, hence one live transaction or two)
      assertThat(liveTransactions.stream().flatMap(List::stream).toList())
          .as("only the page overtook; bulk0's live record waited for its earlier ones")
          .containsExactly("page:0", "page:1");
      assertThat(all).as("every input exactly once").hasSize(bulk.size() + 3).doesNotHaveDuplicates();
      assertThat(all.indexOf("bulk0:5")).isGreaterThan(all.indexOf("bulk0:4"));
      assertThat(metrics.counter("ragstream.stage.records.live", "stage", "lanes").count()).isEqualTo(3.0);
    }
  }

  /** A record of "in" keyed and valued {@code key} ("document:n"), in the live lane or not. */
  private static ProducerRecord<byte[], byte[]> record(String key, boolean live) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>("in", bytes(key), bytes(key));
    if (live) {
      Priority.markLive(record.headers());
    }
    return record;
  }

  /** Lanes whose document is the key's part before the colon. */
  private static TransactionalStage.Lanes lanes(int maxRecordsPerTransaction) {
    return new TransactionalStage.Lanes(r -> Priority.isLive(r.headers()),
        r -> new String(r.key(), StandardCharsets.UTF_8).split(":")[0], maxRecordsPerTransaction, 1000);
  }

  private static List<String> keys(List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> batch) {
    return batch.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
  }

  private static List<ProducerRecord<byte[], byte[]>> copies(
      List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> batch) {
    return batch.stream().map(r -> new ProducerRecord<>("out", null, r.key(), r.value(), r.headers())).toList();
  }
}
