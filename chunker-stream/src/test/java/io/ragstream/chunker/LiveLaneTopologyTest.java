package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.doc;
import static io.ragstream.chunker.TopologyHarness.para;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Priority;
import io.ragstream.schemas.avro.Chunk;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live lane's mark ({@link Priority}) goes from an extracted document onto each chunk and tombstone the chunker
 * derives from it, so the embedder can serve them first; a bulk document's chunks never carry it.
 */
class LiveLaneTopologyTest {
  private TopologyHarness harness;

  @BeforeEach
  void start() {
    harness = new TopologyHarness(TopologyHarness.config(16, false));
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void aLiveDocumentsChunksAndTombstonesStayLiveAndABulkDocumentsDoNot() {
    String text = "Canal locks raise barges between reaches of a river. The towpath runs beside the water. "
        .repeat(4);
    List<TestRecord<String, Chunk>> bulk = pipe("bulk", "h1", text, false);
    assertThat(bulk).isNotEmpty().allSatisfy(r -> assertThat(Priority.isLive(r.headers())).isFalse());

    List<TestRecord<String, Chunk>> live = pipe("page", "h1", text, true);
    assertThat(live).hasSizeGreaterThan(1).allSatisfy(r -> {
      assertThat(Priority.isLive(r.headers())).isTrue();
      assertThat(DocumentKey.fromHeaders(r.headers())).isEqualTo(DocumentKey.of("default", "page"));
    });

    // a live edit: the new chunks and the tombstones of the vanished ones are all live
    List<TestRecord<String, Chunk>> edit = pipe("page", "h2", "Only the lock keeper's cottage is left.", true);
    assertThat(edit).anySatisfy(r -> assertThat(r.value()).isNull())
        .anySatisfy(r -> assertThat(r.value()).isNotNull())
        .allSatisfy(r -> assertThat(Priority.isLive(r.headers())).isTrue());
  }

  private List<TestRecord<String, Chunk>> pipe(String docId, String hash, String text, boolean live) {
    RecordHeaders headers = new RecordHeaders();
    if (live) {
      Priority.markLive(headers);
    }
    harness.documents.pipeInput(new TestRecord<>(docId, doc(docId, hash, para(text)), headers, Instant.EPOCH));
    return harness.chunks.readRecordsToList();
  }
}
