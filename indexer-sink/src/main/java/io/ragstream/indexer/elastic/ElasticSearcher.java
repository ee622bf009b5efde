package io.ragstream.indexer.elastic;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.ragstream.indexer.store.ModelLook;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import co.elastic.clients.elasticsearch.core.search.SourceConfig;
import co.elastic.clients.util.ObjectBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The read side over Elasticsearch. It searches the alias: a generation swap re-points it atomically and the next
 * query follows. Keyword search always; vector search (kNN on the {@code dense_vector}) where the index holds
 * vectors ({@code --store elasticsearch}). With {@code qdrant+elasticsearch} it is the keyword half of a
 * {@link io.ragstream.indexer.composite.CompositeSearcher}, whose vector half is Qdrant.
 */
public final class ElasticSearcher implements ChunkSearcher {
  /** Elasticsearch's default window; a document with more chunks than this is not one a person reads anyway. */
  private static final int MAX_DOCUMENT_CHUNKS = 10_000;

  private final ElasticsearchClient client;
  private final String target;
  private final ModelLook model;

  /** Searches {@code settings.alias()}, i.e. the current generation. */
  public ElasticSearcher(ElasticsearchClient client, ElasticSettings settings) {
    this(client, settings.alias());
  }

  /** Searches a given index or alias. */
  public ElasticSearcher(ElasticsearchClient client, String target) {
    this.client = Objects.requireNonNull(client, "client");
    this.target = Objects.requireNonNull(target, "target");
    this.model = new ModelLook(() -> modelOf(client, target));
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
    SearchResponse<Map> response = client.search(s -> s.index(target).size(k).source(NO_VECTOR)
        .query(ElasticRequests.keywordQuery(query, filter)), Map.class);
    List<io.ragstream.indexer.store.Hit> hits = new ArrayList<>();
    for (Hit<Map> hit : response.hits().hits()) {
      float score = hit.score() == null ? 0f : hit.score().floatValue();
      hits.add(new io.ragstream.indexer.store.Hit(ElasticRequests.chunk(hit.source()), score));
    }
    return hits;
  }

  /**
   * The k nearest chunks by cosine similarity (score {@code (1 + cos) / 2}), filtered inside the kNN search. A
   * keywords-only index ({@code qdrant+elasticsearch}) has no vectors to find: Elasticsearch answers a kNN search on
   * the unmapped field with no hits, not an error, which is why {@code --store elasticsearch}'s indexer refuses to
   * write such an index ({@link ElasticStore#openWithVectors}) rather than leave vector search silently empty.
   */
  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<io.ragstream.indexer.store.Hit> vectorSearch(float[] vector, int k, SearchFilter filter)
      throws IOException {
    Objects.requireNonNull(vector, "vector");
    Objects.requireNonNull(filter, "filter");
    if (k < 1) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    SearchResponse<Map> response = client.search(ElasticRequests.knn(target, vector, k, filter), Map.class);
    List<io.ragstream.indexer.store.Hit> hits = new ArrayList<>();
    for (Hit<Map> hit : response.hits().hits()) {
      float score = hit.score() == null ? 0f : hit.score().floatValue();
      hits.add(new io.ragstream.indexer.store.Hit(ElasticRequests.chunk(hit.source()), score));
    }
    return hits;
  }

  /**
   * The model of the served generation's vectors (from a chunk that has one), read at most every
   * {@link ModelLook#INTERVAL}, so that the query service embeds queries with the model a replay swapped in; empty
   * for a keywords-only index. As with Qdrant, not atomic with the search: for up to that interval after an alias
   * swap, a query embedded with the previous generation's model may be searched in the new one.
   */
  @Override
  public Optional<String> modelId() throws IOException {
    return model.get();
  }

  /** The model of the vectors in an index or alias, from one chunk with a vector; empty if none has one. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Optional<String> modelOf(ElasticsearchClient client, String target) throws IOException {
    SearchResponse<Map> response = client.search(ElasticRequests.modelOfVectors(target), Map.class);
    for (Hit<Map> hit : response.hits().hits()) {
      if (hit.source() != null && hit.source().get(ElasticRequests.MODEL_ID) instanceof String model) {
        return Optional.of(model);
      }
    }
    return Optional.empty();
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    SearchResponse<Map> response = client.search(s -> s.index(target).size(MAX_DOCUMENT_CHUNKS).source(NO_VECTOR)
        .query(ElasticRequests.documentQuery(docId, tenant))
        .sort(o -> o.field(f -> f.field(ElasticRequests.ORDINAL).order(SortOrder.Asc))), Map.class);
    List<StoredChunk> chunks = new ArrayList<>();
    for (Hit<Map> hit : response.hits().hits()) {
      chunks.add(ElasticRequests.chunk(hit.source()));
    }
    return chunks;
  }

  /** Sources without the vector: results never carry it (as with Lucene), and it is most of a source's bytes. */
  private static final java.util.function.Function<SourceConfig.Builder, ObjectBuilder<SourceConfig>> NO_VECTOR =
      src -> src.filter(f -> f.excludes(ElasticRequests.VECTOR));

  @Override
  public long chunkCount() throws IOException {
    return client.count(c -> c.index(target)).count();
  }
}
