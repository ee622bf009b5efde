package io.ragstream.launcher;

import io.ragstream.chunker.ChunkerStage;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Block;
import io.ragstream.schemas.avro.BlockKind;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code replay --from documents}' per-batch plan with the real chunker and model, without Kafka clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayPlanTest {
  private static final String TOPIC = Topics.DOCUMENTS.name(Topics.DEFAULT_PREFIX);
  private EmbeddingModel model;
  private long offset;

  @BeforeAll
  void load() {
    model = EmbeddingModels.load("all-minilm-l6-v2");
  }

  @AfterAll
  void close() {
    model.close();
  }

  @Test
  void aTombstoneDeletesEveryChunkTheReplayWroteForTheDocument() {
    ReplayPlan plan = ReplayPlan.documents(ChunkerStage.documentChunker(model, java.util.Map.of()), model, SerdeSettings.SINGLE_OBJECT);
    WriteBatch first = plan.plan(List.of(doc("a", "h1", "Alpha", "First section about owls.", "Beta",
        "Second section about whales."), doc("b", "h2", "Gamma", "Only section about ferns.")));
    assertThat(first.upserts()).extracting(StoredChunk::docId).contains("a", "b");
    assertThat(first.upserts()).allSatisfy(c -> assertThat(c.modelId()).isEqualTo(model.id()));
    List<String> chunksOfA = first.upserts().stream().filter(c -> c.docId().equals("a"))
        .map(StoredChunk::chunkId).toList();
    assertThat(plan.expectedDocuments()).isEqualTo(2);

    WriteBatch second = plan.plan(List.of(tombstone("a")));

    assertThat(second.upserts()).isEmpty();
    assertThat(second.deletes()).containsExactlyInAnyOrderElementsOf(chunksOfA);
    assertThat(plan.expectedDocuments()).isEqualTo(1);
    assertThat(plan.expectedChunks()).isEqualTo(first.upserts().size() - chunksOfA.size());
  }

  @Test
  void aDeleteThenARepublishInOneBatchKeepsTheLatestVersion() {
    ReplayPlan plan = ReplayPlan.documents(ChunkerStage.documentChunker(model, java.util.Map.of()), model, SerdeSettings.SINGLE_OBJECT);

    WriteBatch batch = plan.plan(List.of(doc("c", "h1", "Delta", "Text about comets."), tombstone("c"),
        doc("d", "h2", "Eps", "Text about moss."), doc("d", "h3", "Eps", "Text about lichen."), tombstone("c")));

    assertThat(batch.upserts()).extracting(StoredChunk::docId).containsOnly("d");
    assertThat(batch.upserts()).extracting(StoredChunk::text).anySatisfy(t -> assertThat(t).contains("lichen"))
        .noneSatisfy(t -> assertThat(t).contains("moss"));
    assertThat(plan.expectedDocuments()).isEqualTo(1);
  }

  @Test
  void aNewVersionDeletesVanishedChunksAndEmbedsOnlyNewOnes() {
    ReplayPlan plan = ReplayPlan.documents(ChunkerStage.documentChunker(model, java.util.Map.of()), model, SerdeSettings.SINGLE_OBJECT);
    WriteBatch v1 = plan.plan(List.of(doc("e", "h1", "Alpha", "Unchanged section about owls.", "Beta",
        "Old section about whales.")));

    WriteBatch v2 = plan.plan(List.of(doc("e", "h2", "Alpha", "Unchanged section about owls.", "Beta",
        "New section about quasars.")));

    assertThat(v2.upserts()).extracting(StoredChunk::text).allSatisfy(t -> assertThat(t).contains("quasars"));
    assertThat(v2.deletes()).hasSize(1);
    assertThat(v1.upserts()).extracting(StoredChunk::chunkId).contains(v2.deletes().getFirst());
    assertThat(plan.expectedChunks()).isEqualTo(v1.upserts().size());
  }

  @Test
  void anUndecodableVersionIsSkippedCountedAndKeepsThePreviousChunks() {
    ReplayPlan plan = ReplayPlan.documents(ChunkerStage.documentChunker(model, java.util.Map.of()), model, SerdeSettings.SINGLE_OBJECT);
    plan.plan(List.of(doc("f", "h1", "Alpha", "Section about owls.")));
    long chunks = plan.expectedChunks();

    WriteBatch batch = plan.plan(List.of(record("f", new byte[] {1, 2, 3})));

    assertThat(batch.isEmpty()).isTrue();
    assertThat(plan.skipped()).isEqualTo(1);
    assertThat(plan.failedDocuments()).containsExactly("f");
    assertThat(plan.expectedChunks()).isEqualTo(chunks);
  }

  private ConsumerRecord<byte[], byte[]> doc(String docId, String hash, String... headingAndText) {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < headingAndText.length; i += 2) {
      blocks.add(Block.newBuilder().setKind(BlockKind.HEADING).setLevel(2).setText(headingAndText[i]).build());
      blocks.add(Block.newBuilder().setKind(BlockKind.PARAGRAPH).setText(headingAndText[i + 1]).build());
    }
    ExtractedDocument doc = ExtractedDocument.newBuilder().setDocId(docId).setTenant("default").setContentHash(hash)
        .setVersion(offset).setIngestedAt(Instant.EPOCH).setMetadata(Map.of()).setBlocks(blocks).build();
    return record(docId, Topics.DOCUMENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(TOPIC, doc));
  }

  private ConsumerRecord<byte[], byte[]> tombstone(String docId) {
    return record(docId, null);
  }

  private ConsumerRecord<byte[], byte[]> record(String docId, byte[] value) {
    return new ConsumerRecord<>(TOPIC, 0, offset++, docId.getBytes(StandardCharsets.UTF_8), value);
  }
}
