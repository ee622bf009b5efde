package io.ragstream.indexer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.ErrorHeaders;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** One indexer batch with the same docId in two tenants: two documents, two index events, deletes by chunk id. */
class IndexPlanTenantTest {
  private static final String TOPIC = Topics.EMBEDDINGS.name(Topics.DEFAULT_PREFIX);
  private static final Serde<EmbeddedChunk> VALUES = Topics.EMBEDDINGS.valueSerde(SerdeSettings.SINGLE_OBJECT);

  @Test
  void theSameDocIdInTwoTenantsGivesTwoSummariesAndTombstonesNameTheirTenant() {
    String acmeChunk = ChunkIds.chunkId(DocumentKey.of("acme", "report"), "c3", "\u0000same text");
    String globexChunk = ChunkIds.chunkId(DocumentKey.of("globex", "report"), "c3", "\u0000same text");
    assertThat(acmeChunk).isNotEqualTo(globexChunk);
    RecordHeaders globexTombstone = new RecordHeaders();
    DocumentKey.of("globex", "report").addTo(globexTombstone);
    RecordHeaders oldTombstone = new RecordHeaders(); // written before the tenant header existed
    oldTombstone.add(ErrorHeaders.DOC_ID, "memo".getBytes(StandardCharsets.UTF_8));

    IndexPlan plan = IndexPlan.of(List.of(
        record(0, acmeChunk, embedded(acmeChunk, "acme", "report", 7), new RecordHeaders()),
        record(1, globexChunk, null, globexTombstone),
        record(2, "old-chunk", null, oldTombstone)), Topics.DEFAULT_PREFIX, VALUES.deserializer());

    assertThat(plan.batch().upserts()).extracting(c -> c.chunkId() + "@" + c.tenant())
        .containsExactly(acmeChunk + "@acme");
    assertThat(plan.batch().deletes()).containsExactly(globexChunk, "old-chunk");
    assertThat(plan.documents()).containsOnlyKeys(DocumentKey.encode("acme", "report"),
        DocumentKey.encode("globex", "report"), "memo");

    List<IndexEvent> events = plan.events("lucene", "g1", Instant.EPOCH);
    assertThat(events).extracting(e -> e.getTenant() + "/" + e.getDocId() + ":" + e.getKind())
        .containsExactly("acme/report:" + IndexEventKind.INDEXED, "globex/report:" + IndexEventKind.DELETED,
            "default/memo:" + IndexEventKind.DELETED);
  }

  private static byte[] embedded(String chunkId, String tenant, String docId, long version) {
    Chunk chunk = Chunk.newBuilder().setChunkId(chunkId).setDocId(docId).setTenant(tenant)
        .setDocumentVersion(version).setOrdinal(0).setText("same text").setTokenCount(2).setContentHash("h")
        .setChunkerVersion("c3").setMetadata(Map.of()).setIngestedAt(Instant.EPOCH).build();
    return VALUES.serializer().serialize(TOPIC, EmbeddedChunk.newBuilder().setChunk(chunk).setModelId("m")
        .setDimension(2).setVector(List.of(1f, 0f)).build());
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset, String key, byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>(TOPIC, 0, offset, 0L, TimestampType.CREATE_TIME, -1, -1,
        key.getBytes(StandardCharsets.UTF_8), value, headers, Optional.empty());
  }
}
