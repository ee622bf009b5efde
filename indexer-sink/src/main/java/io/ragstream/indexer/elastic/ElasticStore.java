package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch._types.mapping.TypeMapping;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.ragstream.indexer.generation.GenerationNames;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.RejectedChunksException;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Writes one generation's Elasticsearch index with bulk requests keyed by chunk id: keywords only (the keyword side
 * of {@code qdrant+elasticsearch}, {@link #open}), or keywords and vectors in the same index ({@code --store
 * elasticsearch}, {@link #openWithVectors}), where a chunk without a vector, with another dimension or a non-finite
 * value is refused for good, as Qdrant's store refuses it. Items that fail with 429 or 5xx are sent again with back-off; if some still fail after the last
 * attempt the write throws an {@link IOException} and the indexer retries the whole (idempotent) batch while it
 * pauses consumption. Items refused for good are reported as a {@link RejectedChunksException} once the rest is
 * written, so the indexer dead-letters exactly those.
 */
public final class ElasticStore implements ChunkStore {
  /** Chunk ids per page of a document delete. */
  static final int DELETE_PAGE = 1_000;

  private final ElasticsearchClient client;
  private final ElasticSettings settings;
  private final String generation;
  private final String index;
  /** The vectors' dimension, or 0 for a keywords-only index. */
  private final int dimension;
  // a generation never changes model, so once known it is not read again; volatile: read by the worker's thread
  private volatile String modelId;

  private ElasticStore(ElasticsearchClient client, ElasticSettings settings, String generation, int dimension) {
    this.client = client;
    this.settings = settings;
    this.generation = generation;
    this.index = settings.index(generation);
    this.dimension = dimension;
  }

  /**
   * Opens the keywords-only store of a generation ({@code qdrant+elasticsearch}): puts the index template and
   * creates the generation's index from it if needed. The client stays the caller's.
   */
  public static ElasticStore open(ElasticsearchClient client, ElasticSettings settings, String generation)
      throws IOException {
    Objects.requireNonNull(client, "client");
    GenerationNames.requireValid(generation);
    ElasticStore store = new ElasticStore(client, settings, generation, 0);
    client.indices().putIndexTemplate(ElasticRequests.indexTemplate(settings));
    if (!client.indices().exists(e -> e.index(store.index)).value()) {
      createIndex(client, store.index, null);
    }
    return store;
  }

  /**
   * Opens the store of a generation holding keywords and vectors ({@code --store elasticsearch}): puts the index
   * template and creates the generation's index with a {@code dense_vector} of {@code dimensionIfNew} if it does not
   * exist. An existing index keeps its own dimension: the generation a replay swapped in may hold another model's
   * vectors than the caller's configured one (the indexer re-embeds for it, see {@link #modelId}).
   *
   * @throws IllegalStateException if the index exists without vectors (a {@code qdrant+elasticsearch} generation)
   */
  public static ElasticStore openWithVectors(ElasticsearchClient client, ElasticSettings settings, String generation,
      int dimensionIfNew) throws IOException {
    Objects.requireNonNull(client, "client");
    GenerationNames.requireValid(generation);
    String index = settings.index(generation);
    client.indices().putIndexTemplate(ElasticRequests.indexTemplate(settings));
    if (!client.indices().exists(e -> e.index(index)).value()) {
      createIndex(client, index, ElasticRequests.vectorMapping(dimensionIfNew));
    }
    int dimension = dimensionOf(client, index);
    if (dimension == 0) {
      throw new IllegalStateException("elasticsearch index " + index + " holds keywords only (written for"
          + " --store qdrant+elasticsearch); build a generation with vectors: ragstream replay --store elasticsearch"
          + " --generation <new>");
    }
    return new ElasticStore(client, settings, generation, dimension);
  }

  /** Creates the index (from the template, plus {@code extra} mappings); one created meanwhile by another is fine. */
  private static void createIndex(ElasticsearchClient client, String index, TypeMapping extra) throws IOException {
    try {
      client.indices().create(c -> extra == null ? c.index(index) : c.index(index).mappings(extra));
    } catch (ElasticsearchException e) {
      // two indexers (or an indexer and a replay) starting together: the loser finds it created
      if (!"resource_already_exists_exception".equals(e.error().type())) {
        throw e;
      }
    }
  }

  /** The dimension of the index's vector field, or 0 if it has none. */
  static int dimensionOf(ElasticsearchClient client, String index) throws IOException {
    var record = client.indices().getMapping(m -> m.index(index)).mappings().get(index);
    if (record == null) {
      throw new IOException("no mapping returned for elasticsearch index " + index);
    }
    Property vector = record.mappings().properties().get(ElasticRequests.VECTOR);
    if (vector == null || !vector.isDenseVector() || vector.denseVector().dims() == null) {
      return 0;
    }
    return vector.denseVector().dims();
  }

  @Override
  public String name() {
    return "elasticsearch";
  }

  @Override
  public String generation() {
    return generation;
  }

  /** The index this store writes. */
  public String index() {
    return index;
  }

  /** The dimension of the vectors this store holds, or 0 for a keywords-only store. */
  public int dimension() {
    return dimension;
  }

  /**
   * With vectors, the model named by a chunk that has one (Elasticsearch itself knows only the dimension, and two
   * models of the same dimension would mix without an error); lets the indexer re-embed for a generation a replay
   * built with another model. Empty for a keywords-only store, which takes chunks of any model.
   */
  @Override
  public Optional<String> modelId() throws IOException {
    if (dimension == 0) {
      return Optional.empty();
    }
    String known = modelId;
    if (known != null) {
      return Optional.of(known);
    }
    Optional<String> read = ElasticSearcher.modelOf(client, index);
    read.ifPresent(m -> modelId = m);
    return read;
  }

  @Override
  public void write(WriteBatch batch) throws IOException {
    Objects.requireNonNull(batch, "batch");
    if (batch.isEmpty()) {
      return;
    }
    Map<String, String> rejected = new LinkedHashMap<>();
    List<StoredChunk> upserts = batch.upserts();
    if (dimension > 0) {
      List<StoredChunk> accepted = new ArrayList<>(upserts.size());
      for (StoredChunk chunk : upserts) {
        String reason = rejection(chunk);
        if (reason == null) {
          accepted.add(chunk);
        } else {
          rejected.put(chunk.chunkId(), reason);
        }
      }
      upserts = accepted;
    }
    List<String> deletes = batch.deletes();
    Duration backoff = settings.initialBackoff();
    for (int attempt = 1; ; attempt++) {
      if (upserts.isEmpty() && deletes.isEmpty()) {
        break; // every upsert was refused above
      }
      List<BulkOperation> ops = ElasticRequests.operations(index, upserts, deletes, dimension > 0);
      BulkResponse response = client.bulk(ElasticRequests.bulk(ops, settings));
      BulkOutcome outcome = BulkOutcome.of(response);
      rejected.putAll(outcome.rejected());
      if (outcome.retry().isEmpty()) {
        break;
      }
      if (attempt == settings.maxAttempts()) {
        throw new IOException("elasticsearch kept refusing " + outcome.retry().size() + " item(s) with 429/5xx after "
            + attempt + " attempts");
      }
      upserts = only(upserts, outcome.retry());
      deletes = deletes.stream().filter(outcome.retry()::contains).toList();
      pause(backoff);
      backoff = backoff.multipliedBy(2);
    }
    if (!rejected.isEmpty()) {
      throw new RejectedChunksException(name(), rejected);
    }
  }

  @Override
  public long chunkCount() throws IOException {
    return ElasticCounts.chunks(client, index);
  }

  /** See {@link ElasticCounts}: the pages of a composite aggregation on docId. */
  @Override
  public long documentCount() throws IOException {
    return ElasticCounts.documents(client, index);
  }

  // prepareForServing stays a no-op. Keywords only: no HNSW graph per segment to walk. With vectors each segment
  // has its graph, but Elasticsearch advises against force-merging an index that still takes writes, as this one
  // does once the live indexer continues in it; its merge policy keeps the segment count bounded.

  /**
   * Deletes every chunk of one document of a tenant, waiting for the refresh like a write. Not with
   * {@code _delete_by_query} (the reindex module, absent from the core-only distribution): the document's chunk ids
   * are paged in chunk id order with their versions, and each page is bulk-deleted on the condition that a chunk is
   * still the version seen. A chunk written again meanwhile (a newer version of the document racing with the
   * delete) fails that condition and is kept, as it would be had the write come after the delete; a chunk already
   * gone is fine. Items refused with 429/5xx are retried like a write's.
   *
   * @return the number of chunks deleted
   */
  public long deleteDocument(String docId, String tenant) throws IOException {
    long deleted = 0;
    String after = null;
    while (true) {
      SearchResponse<Void> page = client.search(
          ElasticRequests.documentChunkIds(index, docId, tenant, DELETE_PAGE, after), Void.class);
      List<ElasticRequests.SeenChunk> seen = new ArrayList<>();
      for (Hit<Void> hit : page.hits().hits()) {
        seen.add(new ElasticRequests.SeenChunk(hit.id(), hit.seqNo(), hit.primaryTerm()));
      }
      if (seen.isEmpty()) {
        return deleted;
      }
      deleted += deleteSeen(seen);
      after = seen.getLast().id(); // the chunk id is the document id: the sort value of the last hit
      if (seen.size() < DELETE_PAGE) {
        return deleted;
      }
    }
  }

  long deleteSeen(List<ElasticRequests.SeenChunk> seen) throws IOException {
    long deleted = 0;
    Duration backoff = settings.initialBackoff();
    for (int attempt = 1; ; attempt++) {
      BulkResponse response = client.bulk(
          ElasticRequests.bulk(ElasticRequests.conditionalDeletes(index, seen), settings));
      List<ElasticRequests.SeenChunk> retry = new ArrayList<>();
      Map<String, String> failed = new LinkedHashMap<>();
      for (int i = 0; i < response.items().size(); i++) {
        BulkResponseItem item = response.items().get(i);
        int status = item.status();
        if (status < 300) {
          deleted++;
        } else if (status == 404 || status == 409) {
          // gone already, or written again since it was seen: the newer write stays
        } else if (status == 429 || status >= 500) {
          retry.add(seen.get(i));
        } else {
          failed.put(item.id(), status + " " + (item.error() == null ? "" : item.error().reason()));
        }
      }
      if (!failed.isEmpty()) {
        throw new IOException("elasticsearch refused to delete chunks of the document: " + failed);
      }
      if (retry.isEmpty()) {
        return deleted;
      }
      if (attempt == settings.maxAttempts()) {
        throw new IOException("elasticsearch kept refusing " + retry.size() + " delete(s) with 429/5xx after "
            + attempt + " attempts");
      }
      seen = retry;
      pause(backoff);
      backoff = backoff.multipliedBy(2);
    }
  }

  /** Why the vector index would refuse the chunk for good, or null if it is fine. */
  String rejection(StoredChunk chunk) {
    if (chunk.vector() == null) {
      return "no vector";
    }
    if (chunk.vector().length != dimension) {
      return "vector dimension " + chunk.vector().length + ", index " + index + " has " + dimension;
    }
    for (float v : chunk.vector()) {
      if (!Float.isFinite(v)) {
        return "vector has a non-finite value";
      }
    }
    boolean zero = true;
    for (float v : chunk.vector()) {
      zero &= v == 0f;
    }
    if (zero) {
      return "vector is all zeros (no cosine similarity)"; // Elasticsearch refuses it under cosine
    }
    return null;
  }

  /** Nothing to release: the client is the caller's. */
  @Override
  public void close() {}

  private static List<StoredChunk> only(List<StoredChunk> chunks, Set<String> ids) {
    List<StoredChunk> kept = new ArrayList<>();
    for (StoredChunk chunk : chunks) {
      if (ids.contains(chunk.chunkId())) {
        kept.add(chunk);
      }
    }
    return kept;
  }

  private static void pause(Duration backoff) throws InterruptedIOException {
    try {
      Thread.sleep(backoff);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("interrupted between bulk attempts");
      interrupted.initCause(e);
      throw interrupted;
    }
  }
}
