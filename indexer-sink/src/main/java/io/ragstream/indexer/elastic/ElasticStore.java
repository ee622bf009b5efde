package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
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
import java.util.Set;

/**
 * The keyword side of the distributed stack: writes one generation's Elasticsearch index with bulk requests keyed
 * by chunk id. Items that fail with 429 or 5xx are sent again with back-off; if some still fail after the last
 * attempt the write throws an {@link IOException} and the indexer retries the whole (idempotent) batch while it
 * pauses consumption. Items refused for good are reported as a {@link RejectedChunksException} once the rest is
 * written, so the indexer dead-letters exactly those.
 */
public final class ElasticStore implements ChunkStore {

  private final ElasticsearchClient client;
  private final ElasticSettings settings;
  private final String generation;
  private final String index;

  private ElasticStore(ElasticsearchClient client, ElasticSettings settings, String generation) {
    this.client = client;
    this.settings = settings;
    this.generation = generation;
    this.index = settings.index(generation);
  }

  /**
   * Opens the store for a generation: puts the index template and creates the generation's index from it if
   * needed. The client stays the caller's.
   */
  public static ElasticStore open(ElasticsearchClient client, ElasticSettings settings, String generation)
      throws IOException {
    Objects.requireNonNull(client, "client");
    GenerationNames.requireValid(generation);
    ElasticStore store = new ElasticStore(client, settings, generation);
    client.indices().putIndexTemplate(ElasticRequests.indexTemplate(settings));
    if (!client.indices().exists(e -> e.index(store.index)).value()) {
      client.indices().create(c -> c.index(store.index));
    }
    return store;
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

  @Override
  public void write(WriteBatch batch) throws IOException {
    Objects.requireNonNull(batch, "batch");
    if (batch.isEmpty()) {
      return;
    }
    Map<String, String> rejected = new LinkedHashMap<>();
    List<StoredChunk> upserts = batch.upserts();
    List<String> deletes = batch.deletes();
    Duration backoff = settings.initialBackoff();
    for (int attempt = 1; ; attempt++) {
      List<BulkOperation> ops = ElasticRequests.operations(index, upserts, deletes);
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

  // prepareForServing stays a no-op: this index serves keywords only (no HNSW graph per segment to walk), and
  // Elasticsearch advises against force-merging an index that still takes writes, as this one does once the live
  // indexer continues in it; its merge policy keeps the segment count bounded.

  /** Deletes every chunk of one document of a tenant, waiting for the refresh like a write. */
  public void deleteDocument(String docId, String tenant) throws IOException {
    client.deleteByQuery(d -> d.index(index).query(ElasticRequests.documentQuery(docId, tenant)).refresh(true));
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
