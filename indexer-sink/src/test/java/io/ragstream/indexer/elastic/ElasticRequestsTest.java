package io.ragstream.indexer.elastic;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch._types.FieldValue;

import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.bulk.OperationType;
import co.elastic.clients.json.JsonpMapper;
import co.elastic.clients.json.JsonpUtils;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElasticRequestsTest {
  private static final JsonpMapper MAPPER = new JacksonJsonpMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ElasticSettings settings = ElasticSettings.local("http://localhost:9200");
  private final StoredChunk chunk = TestChunks.chunk("c-1", "doc-1", "acme", "Kafka keeps order per key.", 2, 4);

  @Test
  void theTemplateAnalysesTextWithTheConfiguredAnalyzerStandardByDefault() throws Exception {
    JsonNode standard = json(ElasticRequests.indexTemplate(settings)).path("template").path("mappings")
        .path("properties");
    JsonNode english = json(ElasticRequests.indexTemplate(settings.withAnalyzer("english"))).path("template")
        .path("mappings").path("properties");
    for (String text : List.of("text", "context")) {
      assertThat(standard.path(text).path("analyzer").asText()).isEqualTo("standard");
      assertThat(english.path(text).path("analyzer").asText()).isEqualTo("english");
    }
    assertThat(standard.has("vector")).as("the dimension is per generation, not in the template").isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings.withAnalyzer("english; drop"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("analyzer");
  }

  @Test
  void aVectorIndexMapsTheEmbeddingAsAnInt8HnswCosineDenseVectorOfTheModelsDimension() throws Exception {
    JsonNode vector = json(ElasticRequests.vectorMapping(384)).path("properties").path("vector");
    assertThat(vector.path("type").asText()).isEqualTo("dense_vector");
    assertThat(vector.path("dims").asInt()).isEqualTo(384);
    assertThat(vector.path("similarity").asText()).isEqualTo("cosine");
    assertThat(vector.path("index_options").path("type").asText()).isEqualTo("int8_hnsw");
    assertThat(ElasticRequests.document(chunk, true).get("vector")).isEqualTo(chunk.vector());
    assertThat(ElasticRequests.document(chunk)).doesNotContainKey("vector");
    @SuppressWarnings("unchecked")
    Map<String, Object> indexed = (Map<String, Object>) ElasticRequests.operations("i", List.of(chunk), List.of(),
        true).getFirst().index().document();
    assertThat(indexed).containsKey("vector");
  }

  @Test
  void knnFiltersInsideTheSearchWithAtLeastAHundredCandidatesAndNeverReturnsTheVector() throws Exception {
    JsonNode search = json(ElasticRequests.knn("ragstream-chunks", new float[] {0.5f, 0.5f}, 5,
        new SearchFilter("acme", Map.of("lang", "en"), "doc-1")));
    JsonNode knn = search.path("knn").get(0); // the client sends kNN searches as a list
    assertThat(knn.path("field").asText()).isEqualTo("vector");
    assertThat(knn.path("k").asInt()).isEqualTo(5);
    assertThat(knn.path("num_candidates").asInt()).isEqualTo(100);
    assertThat(knn.path("query_vector").toString()).isEqualTo("[0.5,0.5]");
    assertThat(knn.path("filter").toString()).contains("\"tenant\"", "acme", "\"docId\"", "\"metadata.lang\"");
    assertThat(search.path("_source").path("excludes").toString()).contains("vector");
    assertThat(json(ElasticRequests.knn("t", new float[] {1f}, 200, SearchFilter.tenant("a"))).path("knn").get(0)
        .path("num_candidates").asInt()).isEqualTo(200);
  }

  @Test
  void aDocumentDeletePagesIdsWithVersionsAndDeletesEachOnlyIfUnchanged() throws Exception {
    JsonNode first = json(ElasticRequests.documentChunkIds("i", "doc-1", "acme", 1000, null));
    assertThat(first.path("seq_no_primary_term").asBoolean()).isTrue();
    assertThat(first.path("_source").asBoolean(true)).isFalse();
    assertThat(first.path("sort").toString()).contains("chunkId");
    assertThat(first.has("search_after")).isFalse();
    assertThat(first.path("query").toString()).contains("doc-1", "acme");
    JsonNode next = json(ElasticRequests.documentChunkIds("i", "doc-1", "acme", 1000, "doc-1|abc"));
    assertThat(next.path("search_after").get(0).asText()).isEqualTo("doc-1|abc");

    var deletes = ElasticRequests.conditionalDeletes("i", List.of(new ElasticRequests.SeenChunk("c-1", 7, 2)));
    assertThat(deletes.getFirst().delete().id()).isEqualTo("c-1");
    assertThat(deletes.getFirst().delete().ifSeqNo()).isEqualTo(7);
    assertThat(deletes.getFirst().delete().ifPrimaryTerm()).isEqualTo(2);
  }

  @Test
  void templateKeepsFilterFieldsAsKeywordsAndTheLuceneStoresBm25() throws Exception {
    JsonNode template = json(ElasticRequests.indexTemplate(settings));
    assertThat(template.path("index_patterns").get(0).asText()).isEqualTo("ragstream-chunks-*");
    JsonNode mappings = template.path("template").path("mappings");
    assertThat(mappings.path("dynamic").asText()).isEqualTo("strict");
    JsonNode p = mappings.path("properties");
    for (String text : List.of("text", "context")) {
      assertThat(p.path(text).path("type").asText()).isEqualTo("text");
    }
    for (String display : List.of("title", "headings")) { // searched through text or context, never twice
      assertThat(p.path(display).path("index").asBoolean(true)).isFalse();
    }
    JsonNode bm25 = template.path("template").path("settings").findValue("similarity").path("default");
    assertThat(bm25.path("type").asText()).isEqualTo("BM25");
    assertThat(bm25.path("k1").asDouble()).isEqualTo(0.9, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(bm25.path("b").asDouble()).isEqualTo(0.4, org.assertj.core.api.Assertions.within(1e-6));
    for (String keyword : List.of("chunkId", "docId", "tenant")) {
      assertThat(p.path(keyword).path("type").asText()).isEqualTo("keyword");
    }
    assertThat(p.path("metadata").path("type").asText()).isEqualTo("flattened");
    assertThat(template.path("template").path("settings").findValue("number_of_replicas").asText())
        .isEqualTo("0");
  }

  @Test
  void bulkIsKeyedByChunkIdWithDeletesFirstAndTheRefreshPolicyExplicit() throws Exception {
    BulkRequest bulk = ElasticRequests.bulk(
        ElasticRequests.operations("ragstream-chunks-g1", List.of(chunk), List.of("gone")), settings);
    assertThat(bulk.refresh()).isEqualTo(Refresh.WaitFor);
    assertThat(bulk.operations()).hasSize(2);
    assertThat(bulk.operations().get(0).delete().id()).isEqualTo("gone");
    assertThat(bulk.operations().get(1).index().id()).isEqualTo("c-1");
    assertThat(bulk.operations().get(1).index().index()).isEqualTo("ragstream-chunks-g1");
    // The source round-trips through the client's own serialiser back to the same chunk.
    @SuppressWarnings("unchecked")
    Map<String, Object> source = JSON.convertValue(bulk.operations().get(1).index().document(), Map.class);
    assertThat(ElasticRequests.chunk(source)).usingRecursiveComparison().ignoringFields("vector").isEqualTo(chunk);
  }

  @Test
  void keywordQueryScoresTextFieldsAndFiltersTenantDocumentAndMetadata() throws Exception {
    JsonNode query = json(ElasticRequests.keywordQuery("order per key",
        new SearchFilter("acme", Map.of("lang", "en"), "doc-1"))).path("bool");
    assertThat(query.path("must").get(0).path("multi_match").path("fields").toString())
        .contains("\"text\"", "\"context^0.5\"").doesNotContain("title", "headings");
    assertThat(query.path("should").get(0).has("match_phrase")).isTrue();
    assertThat(query.path("filter").toString()).contains("\"tenant\"", "acme", "\"docId\"", "doc-1",
        "\"metadata.lang\"", "en");
  }

  @Test
  void principalsFilterToDocumentsWithoutAnAclOrWithOneOfThemAndTheAclRoundTrips() throws Exception {
    JsonNode filters = json(ElasticRequests.keywordQuery("plan",
        SearchFilter.tenant("acme").withPrincipals(List.of("group:eng")))).path("bool").path("filter");
    JsonNode acl = filters.get(filters.size() - 1).path("bool");
    assertThat(acl.path("minimum_should_match").asText()).isEqualTo("1");
    assertThat(acl.path("should").toString()).contains("\"must_not\"", "\"exists\"", "\"acl\"", "group:eng");
    // unrestricted: no ACL clause at all
    assertThat(json(ElasticRequests.keywordQuery("plan", SearchFilter.tenant("acme"))).toString())
        .doesNotContain("\"acl\"");
    assertThat(json(ElasticRequests.mappings(ElasticSettings.DEFAULT_ANALYZER)).path("properties").path("acl").path("type").asText())
        .isEqualTo("keyword");

    StoredChunk restricted = new StoredChunk(chunk.chunkId(), chunk.docId(), chunk.tenant(), chunk.documentVersion(),
        chunk.ordinal(), chunk.title(), chunk.headings(), chunk.text(), chunk.sourceName(), chunk.metadata(),
        chunk.modelId(), chunk.vector(), chunk.ingestedAt(), List.of("group:eng"));
    @SuppressWarnings("unchecked")
    Map<String, Object> source = JSON.convertValue(ElasticRequests.document(restricted), Map.class);
    assertThat(ElasticRequests.chunk(source).acl()).containsExactly("group:eng");
    // no ACL, no field: an index whose strict mapping predates ACLs still takes the document
    assertThat(ElasticRequests.document(chunk)).doesNotContainKey("acl");
  }

  @Test
  void aliasSwapRemovesEveryOldIndexAndAddsTheNewOneInOneRequest() throws Exception {
    JsonNode actions = json(ElasticRequests.swapAlias("ragstream-chunks", "ragstream-chunks-g2",
        List.of("ragstream-chunks-g1"))).path("actions");
    assertThat(actions).hasSize(2);
    assertThat(actions.get(0).path("remove").path("index").asText()).isEqualTo("ragstream-chunks-g1");
    assertThat(actions.get(1).path("add").path("index").asText()).isEqualTo("ragstream-chunks-g2");
  }

  @Test
  void documentIdsArePagedExactlyByACompositeTermsAggregationWithoutHits() throws Exception {
    JsonNode first = json(ElasticRequests.documentIds("ragstream-chunks-g2", 10_000, null));
    assertThat(first.path("size").asInt()).isZero();
    assertThat(first.path("track_total_hits").asBoolean()).isFalse();
    JsonNode composite = first.path("aggregations").path(ElasticRequests.DOCUMENT_IDS).path("composite");
    assertThat(composite.path("size").asInt()).isEqualTo(10_000);
    assertThat(composite.path("sources").get(0).path("docId").path("terms").path("field").asText())
        .isEqualTo("docId");
    assertThat(composite.has("after")).isFalse();
    assertThat(first.toString()).doesNotContain("cardinality");

    JsonNode next = json(ElasticRequests.documentIds("ragstream-chunks-g2", 10_000,
        Map.of("docId", FieldValue.of("doc-41"))));
    assertThat(next.path("aggregations").path(ElasticRequests.DOCUMENT_IDS).path("composite").path("after")
        .path("docId").asText()).isEqualTo("doc-41");
  }

  @Test
  void bulkItemsAreRetriedOn429And5xxAndRejectedOnOther4xx() {
    Set<String> retry = new LinkedHashSet<>();
    Map<String, String> rejected = new LinkedHashMap<>();
    BulkOutcome.classify(OperationType.Index, 201, "ok", null, retry, rejected);
    BulkOutcome.classify(OperationType.Delete, 404, "already-gone", "not_found", retry, rejected);
    BulkOutcome.classify(OperationType.Index, 429, "busy", "es_rejected_execution_exception", retry, rejected);
    BulkOutcome.classify(OperationType.Index, 503, "recovering", "unavailable_shards_exception", retry, rejected);
    BulkOutcome.classify(OperationType.Index, 400, "bad", "document_parsing_exception: strict", retry, rejected);
    assertThat(retry).containsExactly("busy", "recovering");
    assertThat(rejected).containsOnlyKeys("bad");
    assertThat(rejected.get("bad")).startsWith("400 document_parsing_exception");
  }

  @Test
  void clientBuildsWithTheJackson2MapperWithoutConnecting() throws Exception {
    try (var client = ElasticClients.create(new ElasticSettings("http://127.0.0.1:1", "a2V5", "ragstream-chunks",
        Refresh.WaitFor, 0, 3, java.time.Duration.ofMillis(10)))) {
      assertThat(client._jsonpMapper()).isInstanceOf(JacksonJsonpMapper.class);
    }
  }

  private static JsonNode json(co.elastic.clients.json.JsonpSerializable value) throws Exception {
    return JSON.readTree(JsonpUtils.toJsonString(value, MAPPER));
  }

}
