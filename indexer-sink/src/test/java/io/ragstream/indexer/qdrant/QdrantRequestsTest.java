package io.ragstream.indexer.qdrant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class QdrantRequestsTest {

  private final StoredChunk chunk = TestChunks.chunk("c-1", "doc-1", "acme", "Kafka keeps order per key.", 2, 4);

  @Test
  void pointIdsAreNameBasedUuidsStableAcrossCallsAndDistinctPerChunk() {
    UUID first = PointIds.uuid("c-1");
    assertThat(PointIds.uuid("c-1")).isEqualTo(first);
    assertThat(first.version()).isEqualTo(3);
    assertThat(PointIds.uuid("c-2")).isNotEqualTo(first);
    assertThat(PointIds.of("c-1").getUuid()).isEqualTo(first.toString());
  }

  @Test
  void collectionIsSizedForTheModelWithTheConfiguredDistance() {
    CreateCollection create = QdrantRequests.createCollection("ragstream_chunks_g2", 384, Distance.Cosine);
    assertThat(create.getCollectionName()).isEqualTo("ragstream_chunks_g2");
    assertThat(create.getVectorsConfig().getParams().getSize()).isEqualTo(384);
    assertThat(create.getVectorsConfig().getParams().getDistance()).isEqualTo(Distance.Cosine);
    assertThatThrownBy(() -> QdrantRequests.createCollection("c", 0, Distance.Cosine))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pointCarriesVectorAndFullPayloadThatReadsBackAsTheSameChunk() {
    PointStruct point = QdrantRequests.point(chunk);
    assertThat(point.getId()).isEqualTo(PointIds.of("c-1"));
    assertThat(point.getVectors().getVector().getDense().getDataList()).containsExactly(0f, 0f, 1f, 0.1f);
    assertThat(point.getPayloadMap()).containsKeys("docId", "tenant", "headings", "text", "metadata",
        "documentVersion");
    StoredChunk back = QdrantRequests.chunk(point.getPayloadMap());
    assertThat(back).usingRecursiveComparison().ignoringFields("vector").isEqualTo(chunk);
    assertThat(back.vector()).isNull();
  }

  @Test
  void upsertsAndDeletesWaitForTheWriteToBeApplied() {
    UpsertPoints upsert = QdrantRequests.upsert("col", List.of(QdrantRequests.point(chunk)));
    assertThat(upsert.getWait()).isTrue();
    DeletePoints byId = QdrantRequests.deleteChunks("col", List.of("c-1", "c-2"));
    assertThat(byId.getWait()).isTrue();
    assertThat(byId.getPoints().getPoints().getIdsList()).containsExactly(PointIds.of("c-1"), PointIds.of("c-2"));
    DeletePoints byDoc = QdrantRequests.deleteDocument("col", "doc-1", "acme");
    assertThat(byDoc.getWait()).isTrue();
    assertThat(keywords(byDoc.getPoints().getFilter())).containsExactly("tenant=acme", "docId=doc-1");
  }

  @Test
  void filterAlwaysHasTheTenantAndEveryMetadataCondition() {
    Filter filter = QdrantRequests.filter(new SearchFilter("acme", Map.of("lang", "en"), null));
    assertThat(keywords(filter)).containsExactly("tenant=acme", "metadata.lang=en");
  }

  @Test
  void principalsAddOneConditionMatchingAnEmptyAclOrAnyPrincipalAndTheAclRoundTrips() {
    Filter filter = QdrantRequests.filter(SearchFilter.tenant("acme").withPrincipals(List.of("group:eng")));
    assertThat(filter.getMustCount()).isEqualTo(2);
    Filter visible = filter.getMust(1).getFilter();
    assertThat(visible.getShould(0).getIsEmpty().getKey()).isEqualTo("acl");
    assertThat(visible.getShould(1).getField().getKey()).isEqualTo("acl");
    assertThat(visible.getShould(1).getField().getMatch().getKeywords().getStringsList()).containsExactly("group:eng");
    assertThat(QdrantRequests.KEYWORD_INDEXED).contains("acl");

    StoredChunk restricted = new StoredChunk(chunk.chunkId(), chunk.docId(), chunk.tenant(), chunk.documentVersion(),
        chunk.ordinal(), chunk.title(), chunk.headings(), chunk.text(), chunk.sourceName(), chunk.metadata(),
        chunk.modelId(), chunk.vector(), chunk.ingestedAt(), List.of("group:eng", "user:ann"));
    assertThat(QdrantRequests.chunk(QdrantRequests.point(restricted).getPayloadMap()).acl())
        .containsExactly("group:eng", "user:ann");
    assertThat(QdrantRequests.point(chunk).getPayloadMap()).doesNotContainKey("acl");
  }

  @Test
  void queryIsNearestWithinTheFilterWithPayloadAndLimit() {
    QueryPoints query = QdrantRequests.nearest("ragstream_chunks", new float[] {1, 0, 0, 0}, 7,
        SearchFilter.tenant("acme"));
    assertThat(query.getCollectionName()).isEqualTo("ragstream_chunks");
    assertThat(query.getLimit()).isEqualTo(7);
    assertThat(query.getWithPayload().getEnable()).isTrue();
    assertThat(query.getQuery().getNearest().getDense().getDataList()).containsExactly(1f, 0f, 0f, 0f);
    assertThat(keywords(query.getFilter())).containsExactly("tenant=acme");
  }

  @Test
  void aliasSwapDeletesAndCreatesInOneRequest() {
    List<AliasOperations> ops = QdrantRequests.swapAlias("ragstream_chunks", "ragstream_chunks_g2", true);
    assertThat(ops).hasSize(2);
    assertThat(ops.get(0).getDeleteAlias().getAliasName()).isEqualTo("ragstream_chunks");
    assertThat(ops.get(1).getCreateAlias().getCollectionName()).isEqualTo("ragstream_chunks_g2");
    assertThat(QdrantRequests.swapAlias("a", "a_g1", false)).hasSize(1);
  }

  @Test
  void settingsNameOneCollectionPerGeneration() {
    assertThat(QdrantSettings.local("localhost", 6334).collection("g7")).isEqualTo("ragstream_chunks_g7");
  }

  private static List<String> keywords(Filter filter) {
    return filter.getMustList().stream().map(Condition::getField)
        .map(f -> f.getKey() + "=" + f.getMatch().getKeyword()).toList();
  }

  @Test
  void fieldScrollReturnsOnlyThatPayloadFieldAndNoVectorsFromTheGivenOffset() {
    ScrollPoints first = QdrantRequests.scrollField("ragstream_chunks_g2", QdrantRequests.DOC_ID, 1000, null);
    assertThat(first.getCollectionName()).isEqualTo("ragstream_chunks_g2");
    assertThat(first.getLimit()).isEqualTo(1000);
    assertThat(first.hasOffset()).isFalse();
    assertThat(first.getWithPayload().getInclude().getFieldsList()).containsExactly("docId");
    assertThat(first.getWithVectors().getEnable()).isFalse();
    assertThat(first.hasFilter()).as("every point, every tenant").isFalse();

    ScrollPoints next = QdrantRequests.scrollField("ragstream_chunks_g2", QdrantRequests.DOC_ID, 1000,
        PointIds.of("c-9"));
    assertThat(next.getOffset()).isEqualTo(PointIds.of("c-9"));
    assertThatThrownBy(() -> QdrantRequests.scrollField("c", QdrantRequests.DOC_ID, 0, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
