package io.ragstream.runtime.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.schemas.Priority;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** How a lane-mode stage picks each transaction's records ({@link TransactionalStage.Lanes#next}). */
class LanesTest {
  private static final TransactionalStage.Lanes LANES = new TransactionalStage.Lanes(
      r -> Priority.isLive(r.headers()), r -> new String(r.key(), StandardCharsets.UTF_8).split(":")[0], 4, 100);

  @Test
  void withoutLiveRecordsABulkTransactionTakesTheFirstRecordsUpToItsBound() {
    List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      pending.add(record(i, "bulk" + i + ":0", false));
    }
    assertThat(keys(LANES.next(pending))).containsExactly("bulk0:0", "bulk1:0", "bulk2:0", "bulk3:0");
    assertThat(keys(LANES.next(pending.subList(8, 10)))).containsExactly("bulk8:0", "bulk9:0");
  }

  @Test
  void aLiveDocumentOvertakesTheBacklogTogetherWithItsEarlierRecordsInOrder() {
    List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    pending.add(record(0, "a:0", false));
    pending.add(record(1, "page:0", false)); // an earlier, bulk version of the live document: must not be passed
    pending.add(record(2, "b:0", false));
    pending.add(record(3, "c:0", false));
    pending.add(record(4, "page:1", true));
    pending.add(record(5, "d:0", false));
    pending.add(record(6, "page:2", true));
    assertThat(keys(LANES.next(pending))).containsExactly("page:0", "page:1", "page:2");
  }

  @Test
  void liveDocumentsShareATransactionUpToTheBoundButTheFirstIsNeverSplit() {
    List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      pending.add(record(i, "big:" + i, true)); // a live document larger than the bound goes whole
    }
    pending.add(record(6, "small:0", true));
    assertThat(keys(LANES.next(pending))).containsExactly("big:0", "big:1", "big:2", "big:3", "big:4", "big:5");
    List<ConsumerRecord<byte[], byte[]>> two = List.of(record(0, "x:0", true), record(1, "bulk:0", false),
        record(2, "y:0", true), record(3, "y:1", true), record(4, "z:0", true), record(5, "z:1", true));
    assertThat(keys(LANES.next(two))).as("x and y fit in 4, z would not").containsExactly("x:0", "y:0", "y:1");
  }

  @Test
  void whileATransactionIsInFlightOnlyLiveDocumentsWithNoRecordInItAreServed() {
    List<ConsumerRecord<byte[], byte[]>> pending = new ArrayList<>();
    pending.add(record(0, "a:0", false));
    pending.add(record(1, "b:0", false));
    pending.add(record(2, "c:0", false));
    pending.add(record(3, "b:1", true)); // live, but b:0 is in flight: must wait for it
    pending.add(record(4, "page:0", true));
    pending.add(record(5, "d:0", false));
    pending.add(record(6, "page:1", true));
    java.util.Set<ConsumerRecord<byte[], byte[]>> inFlight =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    inFlight.addAll(pending.subList(0, 2));
    assertThat(keys(LANES.ahead(pending, inFlight))).containsExactly("page:0", "page:1");
    inFlight.clear();
    inFlight.add(pending.get(4));
    assertThat(keys(LANES.ahead(pending, inFlight))).as("b is free now; the page has a record in flight")
        .containsExactly("b:0", "b:1");
    assertThat(LANES.ahead(pending.subList(0, 3), java.util.Set.of())).as("no live record pending").isEmpty();
  }

  @Test
  void aLookaheadBelowTheTransactionBoundIsRefused() {
    assertThatThrownBy(() -> new TransactionalStage.Lanes(r -> false, r -> r, 10, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lookahead");
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, String key, boolean live) {
    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("in", 0, offset, key.getBytes(StandardCharsets.UTF_8),
        new byte[0]);
    if (live) {
      Priority.markLive(r.headers());
    }
    return r;
  }

  private static List<String> keys(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
  }
}
