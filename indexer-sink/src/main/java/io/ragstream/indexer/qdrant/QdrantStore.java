package io.ragstream.indexer.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.KeywordIndexParams;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Points.PointStruct;
import io.ragstream.indexer.generation.GenerationNames;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The vector side of the distributed stack: writes one generation's Qdrant collection. Upserts and deletes wait
 * until Qdrant applied them, so {@link #write} returning means searchable, as the SPI requires. Chunks Qdrant would
 * refuse for good (no vector, wrong dimension, non-finite values) are left out and reported as a
 * {@link RejectedChunksException} after the rest is written, so the indexer dead-letters exactly those.
 */
public final class QdrantStore implements ChunkStore {

  private final QdrantClient client;
  private final QdrantSettings settings;
  private final String generation;
  private final String collection;
  private final int dimension;
  // a generation never changes model, so once known it is not read again; volatile: read by the worker's thread
  private volatile String modelId;

  private QdrantStore(QdrantClient client, QdrantSettings settings, String generation, int dimension) {
    this.client = client;
    this.settings = settings;
    this.generation = generation;
    this.collection = settings.collection(generation);
    this.dimension = dimension;
  }

  /**
   * Opens the store for a generation, creating its collection (sized for the model, with keyword indexes on the
   * filter fields) if needed. The client stays the caller's: it is not closed with the store.
   *
   * @param dimension the embedding model's dimension; an existing collection must have the same
   * @throws IllegalStateException if the collection exists with another dimension (another model's generation)
   */
  public static QdrantStore open(QdrantClient client, QdrantSettings settings, String generation, int dimension)
      throws IOException {
    Objects.requireNonNull(client, "client");
    GenerationNames.requireValid(generation);
    QdrantStore store = new QdrantStore(client, settings, generation, dimension);
    store.ensureCollection();
    return store;
  }

  /**
   * Opens the store of a generation that exists, with the dimension its collection was created with: what an indexer
   * that follows the alias needs, since the generation a replay swapped in may hold another model's vectors than the
   * indexer's configured one.
   *
   * @throws IllegalArgumentException if the generation's collection does not exist
   */
  public static QdrantStore openExisting(QdrantClient client, QdrantSettings settings, String generation)
      throws IOException {
    Objects.requireNonNull(client, "client");
    GenerationNames.requireValid(generation);
    var timeout = settings.timeout();
    String collection = settings.collection(generation);
    if (!QdrantCalls.await(client.collectionExistsAsync(collection, timeout), timeout, "collection exists")) {
      throw new IllegalArgumentException("no qdrant collection " + collection + " for generation " + generation);
    }
    CollectionInfo info = QdrantCalls.await(client.getCollectionInfoAsync(collection, timeout), timeout,
        "collection info");
    return open(client, settings, generation,
        (int) info.getConfig().getParams().getVectorsConfig().getParams().getSize());
  }

  private void ensureCollection() throws IOException {
    var timeout = settings.timeout();
    if (QdrantCalls.await(client.collectionExistsAsync(collection, timeout), timeout, "collection exists")) {
      CollectionInfo info = QdrantCalls.await(client.getCollectionInfoAsync(collection, timeout), timeout,
          "collection info");
      long size = info.getConfig().getParams().getVectorsConfig().getParams().getSize();
      if (size != dimension) {
        throw new IllegalStateException("collection " + collection + " holds vectors of dimension " + size
            + ", the model has " + dimension + ": build a new generation for a new model");
      }
    } else {
      QdrantCalls.await(client.createCollectionAsync(
          QdrantRequests.createCollection(collection, dimension, settings.distance()), timeout), timeout,
          "create collection " + collection);
    }
    for (String field : QdrantRequests.KEYWORD_INDEXED) {
      // Tenant-aware index: Qdrant co-locates each tenant's points, the filter every query carries.
      PayloadIndexParams params = PayloadIndexParams.newBuilder()
          .setKeywordIndexParams(KeywordIndexParams.newBuilder().setIsTenant(field.equals(QdrantRequests.TENANT)))
          .build();
      QdrantCalls.await(client.createPayloadIndexAsync(collection, field, PayloadSchemaType.Keyword, params, true,
          null, timeout), timeout, "payload index " + field);
    }
  }

  @Override
  public String name() {
    return "qdrant";
  }

  @Override
  public String generation() {
    return generation;
  }

  /** The collection this store writes. */
  public String collection() {
    return collection;
  }

  /** Deletes first, then upserts in batches, each waited for; a chunk in both lists ends up present. */
  @Override
  public void write(WriteBatch batch) throws IOException {
    Objects.requireNonNull(batch, "batch");
    Map<String, String> rejected = new LinkedHashMap<>();
    List<PointStruct> points = new ArrayList<>(batch.upserts().size());
    for (StoredChunk chunk : batch.upserts()) {
      String reason = rejection(chunk);
      if (reason == null) {
        points.add(QdrantRequests.point(chunk));
      } else {
        rejected.put(chunk.chunkId(), reason);
      }
    }
    var timeout = settings.timeout();
    if (!batch.deletes().isEmpty()) {
      QdrantCalls.await(client.deleteAsync(QdrantRequests.deleteChunks(collection, batch.deletes()), timeout),
          timeout, "delete " + batch.deletes().size() + " points");
    }
    for (int from = 0; from < points.size(); from += settings.upsertBatchSize()) {
      List<PointStruct> slice = points.subList(from, Math.min(points.size(), from + settings.upsertBatchSize()));
      QdrantCalls.await(client.upsertAsync(QdrantRequests.upsert(collection, slice), timeout), timeout,
          "upsert " + slice.size() + " points");
    }
    if (!rejected.isEmpty()) {
      throw new RejectedChunksException(name(), rejected);
    }
  }

  @Override
  public long chunkCount() throws IOException {
    return QdrantCounts.chunks(client, settings, collection);
  }

  /** See {@link QdrantCounts}: a scroll over every point's docId. */
  @Override
  public long documentCount() throws IOException {
    return QdrantCounts.documents(client, settings, collection);
  }

  /**
   * The model named by the points' payload. Qdrant itself only knows the dimension, and two models of the same
   * dimension (MiniLM and bge-small: 384) would mix without any error; this lets the indexer re-embed for a
   * generation a replay built with another model, as it does for Lucene.
   */
  @Override
  public Optional<String> modelId() throws IOException {
    String known = modelId;
    if (known != null) {
      return Optional.of(known);
    }
    Optional<String> read = QdrantCounts.modelId(client, settings, collection);
    read.ifPresent(m -> modelId = m);
    return read;
  }

  /** Deletes every chunk of one document of a tenant, by filter. */
  public void deleteDocument(String docId, String tenant) throws IOException {
    var timeout = settings.timeout();
    QdrantCalls.await(client.deleteAsync(QdrantRequests.deleteDocument(collection, docId, tenant), timeout),
        timeout, "delete document " + docId);
  }

  /** Why Qdrant would refuse the chunk for good, or null if it is fine. */
  String rejection(StoredChunk chunk) {
    if (chunk.chunkId() == null || chunk.docId() == null || chunk.tenant() == null || chunk.text() == null) {
      return "chunk needs chunkId, docId, tenant and text";
    }
    if (chunk.vector() == null) {
      return "no vector";
    }
    if (chunk.vector().length != dimension) {
      return "vector dimension " + chunk.vector().length + ", collection " + collection + " has " + dimension;
    }
    for (float v : chunk.vector()) {
      if (!Float.isFinite(v)) {
        return "vector has a non-finite value";
      }
    }
    return null;
  }

  /** Nothing to release: the client is the caller's. */
  @Override
  public void close() {}
}
