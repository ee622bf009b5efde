package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorIndexOptionsType;
import co.elastic.clients.elasticsearch._types.mapping.DenseVectorSimilarity;
import co.elastic.clients.elasticsearch._types.mapping.DynamicMapping;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch._types.mapping.TypeMapping;
import co.elastic.clients.elasticsearch._types.query_dsl.BoolQuery;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch._types.query_dsl.TextQueryType;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeAggregationSource;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.indices.PutIndexTemplateRequest;
import co.elastic.clients.elasticsearch.indices.UpdateAliasesRequest;
import co.elastic.clients.util.NamedValue;
import io.ragstream.indexer.store.KeywordContext;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds Elasticsearch requests from store types, and chunks back from sources, with no connection. Field names
 * match the Lucene store's, so the two keyword retrievers rank on the same fields with the same boosts and BM25.
 */
public final class ElasticRequests {
  static final String CHUNK_ID = "chunkId";
  static final String DOC_ID = "docId";
  static final String TENANT = "tenant";
  static final String DOCUMENT_VERSION = "documentVersion";
  static final String ORDINAL = "ordinal";
  static final String TITLE = "title";
  static final String HEADINGS = "headings";
  static final String TEXT = "text";
  /** Searchable, not in the source's display fields: the title and headings the text lacks ({@link KeywordContext}). */
  static final String CONTEXT = "context";
  static final String SOURCE_NAME = "sourceName";
  static final String METADATA = "metadata";
  static final String MODEL_ID = "modelId";
  static final String INGESTED_AT = "ingestedAt";
  /** Absent on chunks the whole tenant sees ({@link io.ragstream.indexer.store.DocumentAcl}). */
  static final String ACL = io.ragstream.indexer.store.DocumentAcl.FIELD;

  /**
   * The chunk's embedding, with {@code --store elasticsearch} only (keywords and vectors in one index); absent from
   * the indices of {@code qdrant+elasticsearch}, whose vectors live in Qdrant.
   */
  static final String VECTOR = "vector";

  /**
   * The least number of candidates kNN collects per shard however small k, as the Lucene store's HNSW beam
   * ({@code IndexSearches.MIN_VECTOR_CANDIDATES}): a beam of k misses neighbours a wider one finds.
   */
  static final int MIN_VECTOR_CANDIDATES = 100;

  private ElasticRequests() {}

  /**
   * The index template for every generation of {@code settings.alias()}. Mappings are strict: a document with a
   * field the template does not know is a mapping rejection (dead-lettered), not a silent new field. Metadata is
   * {@code flattened}: arbitrary keys, each matched exactly, without a mapping per key.
   */
  public static PutIndexTemplateRequest indexTemplate(ElasticSettings settings) {
    return PutIndexTemplateRequest.of(t -> t
        .name(settings.template())
        .indexPatterns(settings.alias() + "-*")
        .template(tt -> tt
            .settings(s -> s.numberOfShards("1").numberOfReplicas(String.valueOf(settings.replicas()))
                // the Lucene store's BM25 parameters, so both keyword retrievers rank alike
                .similarity("default", sim -> sim.bm25(b -> b
                    .k1((double) KeywordContext.BM25_K1).b((double) KeywordContext.BM25_B))))
            .mappings(mappings(settings.analyzer()))));
  }

  static TypeMapping mappings(String analyzer) {
    Map<String, Property> p = new LinkedHashMap<>();
    p.put(CHUNK_ID, Property.of(x -> x.keyword(k -> k)));
    p.put(DOC_ID, Property.of(x -> x.keyword(k -> k)));
    p.put(TENANT, Property.of(x -> x.keyword(k -> k)));
    p.put(DOCUMENT_VERSION, Property.of(x -> x.long_(l -> l)));
    p.put(ORDINAL, Property.of(x -> x.integer(i -> i)));
    // title and headings are for display; their words are searched once, in text or context
    p.put(TITLE, Property.of(x -> x.text(t -> t.index(false))));
    p.put(HEADINGS, Property.of(x -> x.text(t -> t.index(false))));
    p.put(TEXT, Property.of(x -> x.text(t -> t.analyzer(analyzer))));
    p.put(CONTEXT, Property.of(x -> x.text(t -> t.analyzer(analyzer))));
    p.put(SOURCE_NAME, Property.of(x -> x.keyword(k -> k)));
    p.put(METADATA, Property.of(x -> x.flattened(f -> f)));
    p.put(MODEL_ID, Property.of(x -> x.keyword(k -> k)));
    p.put(INGESTED_AT, Property.of(x -> x.date(d -> d.format("epoch_millis"))));
    p.put(ACL, Property.of(x -> x.keyword(k -> k)));
    return TypeMapping.of(m -> m.dynamic(DynamicMapping.Strict).properties(p));
  }

  /**
   * The mapping a generation's index adds to the template when it holds vectors: the embedding as a
   * {@code dense_vector} of the model's dimension, HNSW over int8-quantised vectors (a quarter of the memory of
   * float32, the quantisation Elasticsearch defaults to below 384 dimensions; named explicitly since 9.x defaults to
   * BBQ from 384 on), cosine similarity, whose score {@code (1 + cos) / 2} is the Lucene store's for unit vectors.
   * The dimension is per index, not in the template: each generation may hold another model.
   */
  static TypeMapping vectorMapping(int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("vector dimension must be positive, was " + dimension);
    }
    return TypeMapping.of(m -> m.properties(VECTOR, Property.of(x -> x.denseVector(v -> v
        .dims(dimension).index(true).similarity(DenseVectorSimilarity.Cosine)
        .indexOptions(o -> o.type(DenseVectorIndexOptionsType.Int8Hnsw))))));
  }

  /** The source document of a chunk without its vector (qdrant+elasticsearch: vectors live in Qdrant). */
  public static Map<String, Object> document(StoredChunk chunk) {
    return document(chunk, false);
  }

  /** The source document of a chunk, with its vector when {@code withVector}. */
  public static Map<String, Object> document(StoredChunk chunk, boolean withVector) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(CHUNK_ID, chunk.chunkId());
    doc.put(DOC_ID, chunk.docId());
    doc.put(TENANT, chunk.tenant());
    doc.put(DOCUMENT_VERSION, chunk.documentVersion());
    doc.put(ORDINAL, chunk.ordinal());
    doc.put(TITLE, chunk.title());
    doc.put(HEADINGS, chunk.headings());
    doc.put(TEXT, chunk.text());
    String context = KeywordContext.of(chunk);
    if (!context.isEmpty()) {
      doc.put(CONTEXT, context);
    }
    doc.put(SOURCE_NAME, chunk.sourceName());
    doc.put(METADATA, chunk.metadata());
    doc.put(MODEL_ID, chunk.modelId());
    doc.put(INGESTED_AT, chunk.ingestedAt());
    if (withVector) {
      doc.put(VECTOR, chunk.vector());
    }
    if (!chunk.acl().isEmpty()) {
      // only when set: an index created before ACLs (strict mapping without the field) still takes the rest
      doc.put(ACL, chunk.acl());
    }
    return doc;
  }

  /** One bulk operation per write, keyed by chunk id: deletes first, then index (upsert) operations. */
  public static List<BulkOperation> operations(String index, List<StoredChunk> upserts, List<String> deletes) {
    return operations(index, upserts, deletes, false);
  }

  /** As {@link #operations(String, List, List)}, the documents with their vectors when {@code withVectors}. */
  public static List<BulkOperation> operations(String index, List<StoredChunk> upserts, List<String> deletes,
      boolean withVectors) {
    List<BulkOperation> ops = new ArrayList<>(upserts.size() + deletes.size());
    for (String chunkId : deletes) {
      ops.add(BulkOperation.of(b -> b.delete(d -> d.index(index).id(chunkId))));
    }
    for (StoredChunk chunk : upserts) {
      ops.add(BulkOperation.of(b -> b.index(i -> i.index(index).id(chunk.chunkId())
          .document(document(chunk, withVectors)))));
    }
    return ops;
  }

  /**
   * Deletes of chunks as they were seen: each only if the chunk still has the sequence number and primary term a
   * search returned (optimistic concurrency). A chunk re-written since is left alone (409), so a document delete
   * never removes a newer write that raced with it.
   */
  public static List<BulkOperation> conditionalDeletes(String index, List<SeenChunk> seen) {
    List<BulkOperation> ops = new ArrayList<>(seen.size());
    for (SeenChunk chunk : seen) {
      ops.add(BulkOperation.of(b -> b.delete(d -> d.index(index).id(chunk.id())
          .ifSeqNo(chunk.seqNo()).ifPrimaryTerm(chunk.primaryTerm()))));
    }
    return ops;
  }

  /** A chunk's id with the version a search saw. */
  public record SeenChunk(String id, long seqNo, long primaryTerm) {}

  /**
   * One page of the chunks of a document of a tenant, ids and versions only, in chunk id order after
   * {@code afterChunkId} (null for the first page): what a document delete walks instead of
   * {@code _delete_by_query}, which the core-only distribution lacks (it is in the reindex module).
   */
  public static SearchRequest documentChunkIds(String index, String docId, String tenant, int pageSize,
      String afterChunkId) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive, was " + pageSize);
    }
    return SearchRequest.of(s -> {
      s.index(index).size(pageSize).source(src -> src.fetch(false)).seqNoPrimaryTerm(true)
          .trackTotalHits(t -> t.enabled(false))
          .query(documentQuery(docId, tenant))
          .sort(o -> o.field(f -> f.field(CHUNK_ID).order(SortOrder.Asc)));
      if (afterChunkId != null) {
        s.searchAfter(FieldValue.of(afterChunkId));
      }
      return s;
    });
  }

  /**
   * The k nearest chunks of a tenant (and document, and metadata entries) to {@code vector}: the filter inside the
   * kNN search (a pre-filter), so HNSW keeps searching until it has k matching chunks, as the Lucene store does.
   */
  public static SearchRequest knn(String target, float[] vector, int k, SearchFilter filter) {
    List<Float> query = new ArrayList<>(vector.length);
    for (float v : vector) {
      query.add(v);
    }
    return SearchRequest.of(s -> s.index(target).size(k).source(src -> src.filter(f -> f.excludes(VECTOR)))
        .knn(kn -> kn.field(VECTOR).queryVector(query).k(k)
            .numCandidates(Math.min(10_000, Math.max(k, MIN_VECTOR_CANDIDATES))).filter(filters(filter))));
  }

  /** One chunk with a vector, its model only: which model a generation's vectors come from. */
  public static SearchRequest modelOfVectors(String target) {
    return SearchRequest.of(s -> s.index(target).size(1).source(src -> src.filter(f -> f.includes(MODEL_ID)))
        .query(q -> q.exists(e -> e.field(VECTOR))));
  }

  /** A bulk request with the refresh policy explicit. */
  public static BulkRequest bulk(List<BulkOperation> operations, ElasticSettings settings) {
    return BulkRequest.of(b -> b.operations(operations).refresh(settings.refresh()));
  }

  /** Tenant always, document and metadata entries when given; as non-scoring filter clauses. */
  public static List<Query> filters(SearchFilter filter) {
    List<Query> filters = new ArrayList<>();
    filters.add(term(TENANT, filter.tenant()));
    if (filter.docId() != null) {
      filters.add(term(DOC_ID, filter.docId()));
    }
    filter.metadata().forEach((k, v) -> filters.add(term(METADATA + "." + k, v)));
    if (filter.principals() != null) {
      // no ACL (the whole tenant sees it), or an ACL naming one of the caller's principals
      List<FieldValue> principals = filter.principals().stream().map(FieldValue::of).toList();
      filters.add(Query.of(q -> q.bool(b -> {
        b.should(s -> s.bool(n -> n.mustNot(m -> m.exists(e -> e.field(ACL)))));
        if (!principals.isEmpty()) {
          b.should(s -> s.terms(t -> t.field(ACL).terms(v -> v.value(principals))));
        }
        return b.minimumShouldMatch("1");
      })));
    }
    return filters;
  }

  /**
   * BM25 over text and context with the Lucene store's boost, plus a phrase clause so that the words in
   * the user's order outrank the same words scattered. {@code multi_match}, not {@code query_string}: user input
   * has no query syntax to inject.
   */
  public static Query keywordQuery(String text, SearchFilter filter) {
    return Query.of(q -> q.bool(BoolQuery.of(b -> b
        .must(m -> m.multiMatch(mm -> mm.query(text).type(TextQueryType.MostFields)
            .fields(TEXT, CONTEXT + "^" + KeywordContext.BOOST)))
        .should(s -> s.matchPhrase(mp -> mp.field(TEXT).query(text)))
        .filter(filters(filter)))));
  }

  /** Every chunk of a document of a tenant. */
  public static Query documentQuery(String docId, String tenant) {
    return Query.of(q -> q.bool(b -> b.filter(filters(new SearchFilter(tenant, Map.of(), docId)))));
  }

  /** The name of the aggregation {@link #documentIds} asks for. */
  static final String DOCUMENT_IDS = "documentIds";

  /**
   * One page of the index's distinct document ids, in docId order: a {@code composite} aggregation of {@code terms}
   * on the keyword {@code docId}, resumed after {@code after} (the previous page's {@code after_key}; null for the
   * first), with no hits. Paged and exact, unlike {@code cardinality}, whose HyperLogLog++ is only exact below its
   * precision threshold (at most 40,000 values); a replay compares the count with what it read, so it must be exact.
   */
  public static SearchRequest documentIds(String index, int pageSize, Map<String, FieldValue> after) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive, was " + pageSize);
    }
    return SearchRequest.of(s -> s.index(index).size(0).trackTotalHits(t -> t.enabled(false))
        .aggregations(DOCUMENT_IDS, a -> a.composite(c -> {
          c.size(pageSize).sources(NamedValue.of(DOC_ID, CompositeAggregationSource.of(src -> src
              .terms(t -> t.field(DOC_ID)))));
          if (after != null && !after.isEmpty()) {
            c.after(after);
          }
          return c;
        })));
  }

  /**
   * Re-points the alias at {@code index} and off every other index, in one {@code _aliases} request, which
   * Elasticsearch applies atomically.
   */
  public static UpdateAliasesRequest swapAlias(String alias, String index, List<String> currentlyAliased) {
    return UpdateAliasesRequest.of(u -> {
      for (String old : currentlyAliased) {
        if (!old.equals(index)) {
          u.actions(a -> a.remove(r -> r.index(old).alias(alias)));
        }
      }
      return u.actions(a -> a.add(add -> add.index(index).alias(alias)));
    });
  }

  /** The chunk a source document describes. */
  @SuppressWarnings("unchecked")
  public static StoredChunk chunk(Map<String, Object> source) {
    List<String> headings = source.get(HEADINGS) instanceof List<?> l ? (List<String>) l : List.of();
    Map<String, String> metadata = new LinkedHashMap<>();
    if (source.get(METADATA) instanceof Map<?, ?> m) {
      m.forEach((k, v) -> metadata.put(String.valueOf(k), String.valueOf(v)));
    }
    return new StoredChunk((String) source.get(CHUNK_ID), (String) source.get(DOC_ID), (String) source.get(TENANT),
        number(source.get(DOCUMENT_VERSION)), (int) number(source.get(ORDINAL)), (String) source.get(TITLE),
        headings, (String) source.get(TEXT), (String) source.get(SOURCE_NAME), metadata,
        (String) source.get(MODEL_ID), null, number(source.get(INGESTED_AT)),
        source.get(ACL) instanceof List<?> acl ? acl.stream().map(String::valueOf).toList() : List.of());
  }

  private static Query term(String field, String value) {
    return Query.of(q -> q.term(t -> t.field(field).value(FieldValue.of(value))));
  }

  private static long number(Object value) {
    return value instanceof Number n ? n.longValue() : 0;
  }
}
