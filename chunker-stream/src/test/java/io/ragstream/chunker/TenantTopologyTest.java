package io.ragstream.chunker;

import static io.ragstream.chunker.TopologyHarness.heading;
import static io.ragstream.chunker.TopologyHarness.para;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chunker keeps state per (tenant, docId): another tenant's document of the same docId is never diffed against,
 * replaced or deleted, and state written before tenant-scoped keys (under the bare docId) is adopted by its own
 * tenant's next version or delete and left alone by every other tenant.
 */
class TenantTopologyTest {
  private TopologyHarness harness;

  @BeforeEach
  void start() {
    harness = new TopologyHarness(TopologyHarness.config(64, false));
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void anotherTenantsPublishAndDeleteOfTheSameDocIdNeverTouchTheFirstTenantsChunks() {
    List<String> acme = ids(publish("acme", "report", "a1", "Acme revenue grew in the north."));
    assertThat(acme).isNotEmpty();

    List<TestRecord<String, Chunk>> globex = publish("globex", "report", "g1", "Globex hired ten engineers.");
    assertThat(globex).isNotEmpty().allSatisfy(r -> assertThat(r.value()).isNotNull());
    assertThat(ids(globex)).doesNotContainAnyElementsOf(acme);

    // the same text in both tenants still gives two chunks, never one shared id
    List<String> same = ids(publish("globex", "report", "g2", "Acme revenue grew in the north."));
    assertThat(same).doesNotContainAnyElementsOf(acme);
    harness.chunks.readRecordsToList();

    harness.documents.pipeInput(tombstone("globex", "report"));
    List<TestRecord<String, Chunk>> deleted = harness.chunks.readRecordsToList();
    assertThat(deleted).isNotEmpty().allSatisfy(r -> {
      assertThat(r.value()).isNull();
      assertThat(DocumentKey.fromHeaders(r.headers())).isEqualTo(DocumentKey.of("globex", "report"));
    });
    assertThat(ids(deleted)).doesNotContainAnyElementsOf(acme);

    // acme's document is still there to delete: all of its chunks, and only those
    harness.documents.pipeInput(tombstone("acme", "report"));
    assertThat(ids(harness.chunks.readRecordsToList())).containsExactlyInAnyOrderElementsOf(acme);
  }

  @Test
  void stateWrittenBeforeTenantKeysIsAdoptedByItsOwnTenantAndLeftAloneByOthers() {
    KeyValueStore<String, DocumentChunkState> state = harness.driver.getKeyValueStore(ChunkDiffProcessor.STORE);
    // what the previous version left: globex's "report" under the bare docId (fingerprint tenant:hash)
    state.put("report", new DocumentChunkState("globex:old-hash", null, List.of("old-g-1", "old-g-2")));

    // the default tenant's "report" has the bare key now, but globex's old state is not its previous version
    List<TestRecord<String, Chunk>> defaults = publish("default", "report", "d1", "Default tenant notes.");
    assertThat(defaults).allSatisfy(r -> assertThat(r.value()).isNotNull());
    assertThat(state.get(DocumentKey.encode("globex", "report"))).as("moved to globex's key").isNotNull();

    // globex's next version replaces its old chunks (tombstones for the ids the old version wrote)
    List<TestRecord<String, Chunk>> globex = publish("globex", "report", "g1", "Globex new plan.");
    assertThat(globex.stream().filter(r -> r.value() == null).map(TestRecord::key).toList())
        .containsExactlyInAnyOrder("old-g-1", "old-g-2");
    assertThat(globex.stream().filter(r -> r.value() == null))
        .allSatisfy(r -> assertThat(DocumentKey.fromHeaders(r.headers())).isEqualTo(DocumentKey.of("globex", "report")));

    // and acme, with no state of its own, adopts nothing
    state.put("memo", new DocumentChunkState("globex:h", null, List.of("old-memo")));
    assertThat(publish("acme", "memo", "a1", "Acme memo.")).allSatisfy(r -> assertThat(r.value()).isNotNull());
    assertThat(state.get("memo")).as("globex's old memo state stays for globex").isNotNull();
    harness.documents.pipeInput(tombstone("globex", "memo"));
    assertThat(ids(harness.chunks.readRecordsToList())).containsExactly("old-memo");
    assertThat(state.get("memo")).isNull();
  }

  @Test
  void aBareTombstoneFromBeforeTenantKeysDeletesWhatItsKeyHeldThenAndATenantTombstoneDoesNot() {
    KeyValueStore<String, DocumentChunkState> state = harness.driver.getKeyValueStore(ChunkDiffProcessor.STORE);
    state.put("old", new DocumentChunkState("globex:h", null, List.of("old-1")));
    // a tombstone the previous version wrote (bare key, no tenant header) deletes it, as it did then
    harness.documents.pipeInput("old", (ExtractedDocument) null);
    List<TestRecord<String, Chunk>> out = harness.chunks.readRecordsToList();
    assertThat(ids(out)).containsExactly("old-1");
    assertThat(DocumentKey.fromHeaders(out.getFirst().headers())).isEqualTo(DocumentKey.of("globex", "old"));
    assertThat(state.get("old")).isNull();

    // the default tenant's delete of "other" (bare key, tenant header) is not globex's old document
    state.put("other", new DocumentChunkState("globex:h", null, List.of("other-1")));
    harness.documents.pipeInput(tombstone("default", "other"));
    assertThat(harness.chunks.readRecordsToList()).isEmpty();
    assertThat(state.get(DocumentKey.encode("globex", "other"))).as("kept, under globex's key").isNotNull();
    harness.documents.pipeInput(tombstone("globex", "other"));
    assertThat(ids(harness.chunks.readRecordsToList())).containsExactly("other-1");
  }

  @Test
  void aRecordKeyedByDocIdAloneIsChunkedAsItsValuesTenantsDocument() {
    ExtractedDocument doc = doc("acme", "legacy", "h1", "Written by the previous version.");
    harness.documents.pipeInput("legacy", doc); // key without the tenant, as the previous extract stage wrote it
    List<String> first = ids(harness.chunks.readRecordsToList());
    assertThat(first).isNotEmpty();
    // the same document under its new key is unchanged, not a new one
    harness.documents.pipeInput(DocumentKey.encode("acme", "legacy"), doc);
    assertThat(harness.chunks.readRecordsToList()).isEmpty();
    harness.documents.pipeInput(tombstone("acme", "legacy"));
    assertThat(ids(harness.chunks.readRecordsToList())).containsExactlyInAnyOrderElementsOf(first);
  }

  private List<TestRecord<String, Chunk>> publish(String tenant, String docId, String hash, String text) {
    harness.documents.pipeInput(DocumentKey.encode(tenant, docId), doc(tenant, docId, hash, text));
    return harness.chunks.readRecordsToList();
  }

  private static TestRecord<String, ExtractedDocument> tombstone(String tenant, String docId) {
    RecordHeaders headers = new RecordHeaders();
    DocumentKey.of(tenant, docId).addTo(headers);
    return new TestRecord<>(DocumentKey.encode(tenant, docId), null, headers, Instant.now());
  }

  private static ExtractedDocument doc(String tenant, String docId, String hash, String text) {
    return ExtractedDocument.newBuilder().setDocId(docId).setTenant(tenant).setContentHash(hash)
        .setVersion(1).setIngestedAt(Instant.EPOCH).setMetadata(Map.of())
        .setBlocks(new ArrayList<>(List.of(heading(1, "Notes"), para(text)))).build();
  }

  private static List<String> ids(List<TestRecord<String, Chunk>> records) {
    return records.stream().map(TestRecord::key).toList();
  }
}
