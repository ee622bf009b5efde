package io.ragstream.indexer.qdrant;

import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ValueFactory.value;

import io.qdrant.client.ConditionFactory;
import io.qdrant.client.QueryFactory;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.WithPayloadSelectorFactory;
import io.qdrant.client.WithVectorsSelectorFactory;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CreateAlias;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteAlias;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.DeletePoints;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.PointsIdsList;
import io.qdrant.client.grpc.Points.PointsSelector;
import io.qdrant.client.grpc.Points.QueryPoints;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.UpsertPoints;
import io.ragstream.indexer.store.DocumentAcl;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds Qdrant requests from store types, and chunks back from payloads, with no connection: the part of the
 * adapter that unit tests pin on the client's own request types. Payload field names are the wire contract with
 * the collection (and its payload indexes), so they are declared once here.
 */
public final class QdrantRequests {
  public static final String CHUNK_ID = "chunkId";
  public static final String DOC_ID = "docId";
  public static final String TENANT = "tenant";
  public static final String DOCUMENT_VERSION = "documentVersion";
  public static final String ORDINAL = "ordinal";
  public static final String TITLE = "title";
  public static final String HEADINGS = "headings";
  public static final String TEXT = "text";
  public static final String SOURCE_NAME = "sourceName";
  public static final String METADATA = "metadata";
  public static final String MODEL_ID = "modelId";
  public static final String INGESTED_AT = "ingestedAt";

  /** Payload fields with a keyword index: the ones every filter uses. Metadata keys are matched unindexed. */
  public static final List<String> KEYWORD_INDEXED = List.of(TENANT, DOC_ID, DocumentAcl.FIELD);

  private QdrantRequests() {}

  /** A collection for one generation: one unnamed dense vector of the model's dimension. */
  public static CreateCollection createCollection(String collection, int dimension, Distance distance) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be positive, got " + dimension);
    }
    return CreateCollection.newBuilder()
        .setCollectionName(collection)
        .setVectorsConfig(VectorsConfig.newBuilder()
            .setParams(VectorParams.newBuilder().setSize(dimension).setDistance(distance)))
        .build();
  }

  /** One point per chunk: deterministic id, the vector, and everything the read side returns as payload. */
  public static PointStruct point(StoredChunk chunk) {
    if (chunk.vector() == null) {
      throw new IllegalArgumentException("chunk " + chunk.chunkId() + " has no vector");
    }
    return PointStruct.newBuilder()
        .setId(PointIds.of(chunk.chunkId()))
        .setVectors(VectorsFactory.vectors(chunk.vector()))
        .putAllPayload(payload(chunk))
        .build();
  }

  static Map<String, Value> payload(StoredChunk chunk) {
    Map<String, Value> payload = new LinkedHashMap<>();
    payload.put(CHUNK_ID, value(chunk.chunkId()));
    payload.put(DOC_ID, value(chunk.docId()));
    payload.put(TENANT, value(chunk.tenant()));
    payload.put(DOCUMENT_VERSION, value(chunk.documentVersion()));
    payload.put(ORDINAL, value(chunk.ordinal()));
    putIfPresent(payload, TITLE, chunk.title());
    payload.put(HEADINGS, value(chunk.headings().stream().map(h -> value(h)).toList()));
    payload.put(TEXT, value(chunk.text()));
    putIfPresent(payload, SOURCE_NAME, chunk.sourceName());
    Map<String, Value> metadata = new LinkedHashMap<>();
    chunk.metadata().forEach((k, v) -> metadata.put(k, value(v)));
    payload.put(METADATA, value(metadata));
    putIfPresent(payload, MODEL_ID, chunk.modelId());
    payload.put(INGESTED_AT, value(chunk.ingestedAt()));
    if (!chunk.acl().isEmpty()) {
      payload.put(DocumentAcl.FIELD, value(chunk.acl().stream().map(p -> value(p)).toList()));
    }
    return payload;
  }

  /**
   * Upserts that return only once the points are applied ({@code wait=true}): the indexer commits offsets after
   * the store returns, so "acknowledged" must mean "searchable", not "queued".
   */
  public static UpsertPoints upsert(String collection, List<PointStruct> points) {
    return UpsertPoints.newBuilder().setCollectionName(collection).addAllPoints(points).setWait(true).build();
  }

  /** Deletes chunks by their point ids, waiting until applied. */
  public static DeletePoints deleteChunks(String collection, List<String> chunkIds) {
    return DeletePoints.newBuilder()
        .setCollectionName(collection)
        .setWait(true)
        .setPoints(PointsSelector.newBuilder().setPoints(PointsIdsList.newBuilder().addAllIds(PointIds.of(chunkIds))))
        .build();
  }

  /** Deletes every chunk of a document of a tenant, waiting until applied. */
  public static DeletePoints deleteDocument(String collection, String docId, String tenant) {
    return DeletePoints.newBuilder()
        .setCollectionName(collection)
        .setWait(true)
        .setPoints(PointsSelector.newBuilder().setFilter(filter(new SearchFilter(tenant, Map.of(), docId))))
        .build();
  }

  /** The tenant always, the document and each metadata entry when given: all must hold. */
  public static Filter filter(SearchFilter filter) {
    Filter.Builder must = Filter.newBuilder().addMust(matchKeyword(TENANT, filter.tenant()));
    if (filter.docId() != null) {
      must.addMust(matchKeyword(DOC_ID, filter.docId()));
    }
    filter.metadata().forEach((key, v) -> must.addMust(matchKeyword(METADATA + "." + key, v)));
    if (filter.principals() != null) {
      // no ACL (the whole tenant sees it), or an ACL naming one of the caller's principals: inside the query's
      // filter, so HNSW searches until it has k visible points
      Filter.Builder visible = Filter.newBuilder().addShould(ConditionFactory.isEmpty(DocumentAcl.FIELD));
      if (!filter.principals().isEmpty()) {
        visible.addShould(ConditionFactory.matchKeywords(DocumentAcl.FIELD, List.copyOf(filter.principals())));
      }
      must.addMust(ConditionFactory.filter(visible.build()));
    }
    return must.build();
  }

  /** Nearest neighbours inside the filter, with payload (the chunk) and without vectors. */
  public static QueryPoints nearest(String collection, float[] vector, int k, SearchFilter filter) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    return QueryPoints.newBuilder()
        .setCollectionName(collection)
        .setQuery(QueryFactory.nearest(vector))
        .setFilter(filter(filter))
        .setLimit(k)
        .setWithPayload(WithPayloadSelectorFactory.enable(true))
        .build();
  }

  /** One page of a document's chunks. */
  public static ScrollPoints scrollDocument(String collection, String docId, String tenant, int pageSize,
      PointId offset) {
    ScrollPoints.Builder scroll = ScrollPoints.newBuilder()
        .setCollectionName(collection)
        .setFilter(filter(new SearchFilter(tenant, Map.of(), docId)))
        .setLimit(pageSize)
        .setWithPayload(WithPayloadSelectorFactory.enable(true));
    if (offset != null) {
      scroll.setOffset(offset);
    }
    return scroll.build();
  }

  /**
   * One page of every point's {@code field} payload and nothing else (no vectors, no other payload), for walking a
   * whole collection cheaply: counting distinct documents, reading the model a generation holds.
   */
  public static ScrollPoints scrollField(String collection, String field, int pageSize, PointId offset) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive, was " + pageSize);
    }
    ScrollPoints.Builder scroll = ScrollPoints.newBuilder()
        .setCollectionName(collection)
        .setLimit(pageSize)
        .setWithPayload(WithPayloadSelectorFactory.include(List.of(field)))
        .setWithVectors(WithVectorsSelectorFactory.enable(false));
    if (offset != null) {
      scroll.setOffset(offset);
    }
    return scroll.build();
  }

  /**
   * Re-points {@code alias} at {@code collection}. Qdrant applies the operations of one request atomically, so a
   * query by alias sees the old collection or the new one, never no collection.
   */
  public static List<AliasOperations> swapAlias(String alias, String collection, boolean aliasExists) {
    List<AliasOperations> operations = new ArrayList<>(2);
    if (aliasExists) {
      operations.add(AliasOperations.newBuilder()
          .setDeleteAlias(DeleteAlias.newBuilder().setAliasName(alias)).build());
    }
    operations.add(AliasOperations.newBuilder()
        .setCreateAlias(CreateAlias.newBuilder().setAliasName(alias).setCollectionName(collection)).build());
    return operations;
  }

  /** The chunk a payload describes (no vector: the read side never returns them). */
  public static StoredChunk chunk(Map<String, Value> payload) {
    List<String> headings = payload.containsKey(HEADINGS)
        ? payload.get(HEADINGS).getListValue().getValuesList().stream().map(Value::getStringValue).toList()
        : List.of();
    Map<String, String> metadata = new HashMap<>();
    if (payload.containsKey(METADATA)) {
      payload.get(METADATA).getStructValue().getFieldsMap().forEach((k, v) -> metadata.put(k, v.getStringValue()));
    }
    return new StoredChunk(
        string(payload, CHUNK_ID), string(payload, DOC_ID), string(payload, TENANT),
        number(payload, DOCUMENT_VERSION), (int) number(payload, ORDINAL), string(payload, TITLE), headings,
        string(payload, TEXT), string(payload, SOURCE_NAME), metadata, string(payload, MODEL_ID), null,
        number(payload, INGESTED_AT),
        payload.containsKey(DocumentAcl.FIELD)
            ? payload.get(DocumentAcl.FIELD).getListValue().getValuesList().stream().map(Value::getStringValue).toList()
            : List.of());
  }

  private static void putIfPresent(Map<String, Value> payload, String key, String v) {
    if (v != null) {
      payload.put(key, value(v));
    }
  }

  private static String string(Map<String, Value> payload, String key) {
    Value v = payload.get(key);
    return v == null || v.hasNullValue() ? null : v.getStringValue();
  }

  private static long number(Map<String, Value> payload, String key) {
    Value v = payload.get(key);
    return v == null ? 0 : v.getIntegerValue();
  }
}
