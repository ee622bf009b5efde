package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The keyword read side over Elasticsearch. It searches the alias: a generation swap re-points it atomically and
 * the next query follows. Vector search belongs to the vector store; pair this with one in a
 * {@link io.ragstream.indexer.composite.CompositeSearcher}.
 */
public final class ElasticSearcher implements ChunkSearcher {
  /** Elasticsearch's default window; a document with more chunks than this is not one a person reads anyway. */
  private static final int MAX_DOCUMENT_CHUNKS = 10_000;

  private final ElasticsearchClient client;
  private final String target;

  /** Searches {@code settings.alias()}, i.e. the current generation. */
  public ElasticSearcher(ElasticsearchClient client, ElasticSettings settings) {
    this(client, settings.alias());
  }

  /** Searches a given index or alias. */
  public ElasticSearcher(ElasticsearchClient client, String target) {
    this.client = Objects.requireNonNull(client, "client");
    this.target = Objects.requireNonNull(target, "target");
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<io.ragstream.indexer.store.Hit> keywordSearch(String query, int k, SearchFilter filter)
      throws IOException {
    if (k < 1) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    if (query == null || query.isBlank()) {
      return List.of();
    }
    SearchResponse<Map> response = client.search(s -> s.index(target).size(k)
        .query(ElasticRequests.keywordQuery(query, filter)), Map.class);
    List<io.ragstream.indexer.store.Hit> hits = new ArrayList<>();
    for (Hit<Map> hit : response.hits().hits()) {
      float score = hit.score() == null ? 0f : hit.score().floatValue();
      hits.add(new io.ragstream.indexer.store.Hit(ElasticRequests.chunk(hit.source()), score));
    }
    return hits;
  }

  /** Always throws: Elasticsearch is the keyword side of the distributed stack. */
  @Override
  public List<io.ragstream.indexer.store.Hit> vectorSearch(float[] vector, int k, SearchFilter filter) {
    throw new UnsupportedOperationException("Elasticsearch serves keyword search only here; vector search goes to"
        + " the vector store (pair them in a CompositeSearcher)");
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    SearchResponse<Map> response = client.search(s -> s.index(target).size(MAX_DOCUMENT_CHUNKS)
        .query(ElasticRequests.documentQuery(docId, tenant))
        .sort(o -> o.field(f -> f.field(ElasticRequests.ORDINAL).order(SortOrder.Asc))), Map.class);
    List<StoredChunk> chunks = new ArrayList<>();
    for (Hit<Map> hit : response.hits().hits()) {
      chunks.add(ElasticRequests.chunk(hit.source()));
    }
    return chunks;
  }

  @Override
  public long chunkCount() throws IOException {
    return client.count(c -> c.index(target)).count();
  }
}
