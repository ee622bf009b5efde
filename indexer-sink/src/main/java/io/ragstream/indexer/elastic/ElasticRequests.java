package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch._types.FieldValue;
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

  /** The analyzer of every text field: Elasticsearch's built-in english (stemming, English stop words). */
  public static final String ANALYZER = "english";

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
            .mappings(mappings())));
  }

  static TypeMapping mappings() {
    Map<String, Property> p = new LinkedHashMap<>();
    p.put(CHUNK_ID, Property.of(x -> x.keyword(k -> k)));
    p.put(DOC_ID, Property.of(x -> x.keyword(k -> k)));
    p.put(TENANT, Property.of(x -> x.keyword(k -> k)));
    p.put(DOCUMENT_VERSION, Property.of(x -> x.long_(l -> l)));
    p.put(ORDINAL, Property.of(x -> x.integer(i -> i)));
    // title and headings are for display; their words are searched once, in text or context
    p.put(TITLE, Property.of(x -> x.text(t -> t.index(false))));
    p.put(HEADINGS, Property.of(x -> x.text(t -> t.index(false))));
    p.put(TEXT, Property.of(x -> x.text(t -> t.analyzer(ANALYZER))));
    p.put(CONTEXT, Property.of(x -> x.text(t -> t.analyzer(ANALYZER))));
    p.put(SOURCE_NAME, Property.of(x -> x.keyword(k -> k)));
    p.put(METADATA, Property.of(x -> x.flattened(f -> f)));
    p.put(MODEL_ID, Property.of(x -> x.keyword(k -> k)));
    p.put(INGESTED_AT, Property.of(x -> x.date(d -> d.format("epoch_millis"))));
    p.put(ACL, Property.of(x -> x.keyword(k -> k)));
    return TypeMapping.of(m -> m.dynamic(DynamicMapping.Strict).properties(p));
  }

  /** The source document of a chunk (no vector: vectors live in the vector store). */
  public static Map<String, Object> document(StoredChunk chunk) {
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
    if (!chunk.acl().isEmpty()) {
      // only when set: an index created before ACLs (strict mapping without the field) still takes the rest
      doc.put(ACL, chunk.acl());
    }
    return doc;
  }

  /** One bulk operation per write, keyed by chunk id: deletes first, then index (upsert) operations. */
  public static List<BulkOperation> operations(String index, List<StoredChunk> upserts, List<String> deletes) {
    List<BulkOperation> ops = new ArrayList<>(upserts.size() + deletes.size());
    for (String chunkId : deletes) {
      ops.add(BulkOperation.of(b -> b.delete(d -> d.index(index).id(chunkId))));
    }
    for (StoredChunk chunk : upserts) {
      ops.add(BulkOperation.of(b -> b.index(i -> i.index(index).id(chunk.chunkId()).document(document(chunk)))));
    }
    return ops;
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
