package io.ragstream.indexer.qdrant;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.ragstream.indexer.store.ModelLook;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The vector read side over Qdrant. It queries the alias, not a collection: a generation swap re-points the alias
 * in one atomic operation and the next query follows, with nothing to reopen here. Keyword search belongs to the
 * keyword store; pair this with one in a {@link io.ragstream.indexer.composite.CompositeSearcher}.
 */
public final class QdrantSearcher implements ChunkSearcher {
  private static final int SCROLL_PAGE = 256;

  private final QdrantClient client;
  private final QdrantSettings settings;
  private final String target;
  private final ModelLook model;

  /** Searches {@code settings.alias()}, i.e. the current generation. */
  public QdrantSearcher(QdrantClient client, QdrantSettings settings) {
    this(client, settings, settings.alias());
  }

  /** Searches a given collection or alias, e.g. one generation's collection while it is being checked. */
  public QdrantSearcher(QdrantClient client, QdrantSettings settings, String target) {
    this.client = Objects.requireNonNull(client, "client");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.target = Objects.requireNonNull(target, "target");
    this.model = new ModelLook(() -> QdrantCounts.modelId(client, settings, target));
  }

  /** Always throws: Qdrant is the vector side of the distributed stack. */
  @Override
  public List<Hit> keywordSearch(String query, int k, SearchFilter filter) {
    throw new UnsupportedOperationException("Qdrant serves vector search only; keyword search goes to the keyword"
        + " store (pair them in a CompositeSearcher)");
  }

  @Override
  public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) throws IOException {
    var timeout = settings.timeout();
    List<ScoredPoint> points = QdrantCalls.await(
        client.queryAsync(QdrantRequests.nearest(target, vector, k, filter), timeout), timeout, "query");
    List<Hit> hits = new ArrayList<>(points.size());
    for (ScoredPoint point : points) {
      hits.add(new Hit(QdrantRequests.chunk(point.getPayloadMap()), point.getScore()));
    }
    return hits;
  }

  @Override
  public List<StoredChunk> chunksOfDocument(String docId, String tenant) throws IOException {
    var timeout = settings.timeout();
    List<StoredChunk> chunks = new ArrayList<>();
    PointId offset = null;
    do {
      ScrollResponse page = QdrantCalls.await(client.scrollAsync(
          QdrantRequests.scrollDocument(target, docId, tenant, SCROLL_PAGE, offset), timeout), timeout, "scroll");
      for (RetrievedPoint point : page.getResultList()) {
        chunks.add(QdrantRequests.chunk(point.getPayloadMap()));
      }
      offset = page.hasNextPageOffset() ? page.getNextPageOffset() : null;
    } while (offset != null);
    // Qdrant scrolls in id order, which is a hash order here; the SPI promises ordinal order.
    chunks.sort(Comparator.comparingInt(StoredChunk::ordinal));
    return chunks;
  }

  /**
   * The model of the served generation's vectors (from a point's payload; see {@link QdrantStore#modelId}), read at
   * most every {@link ModelLook#INTERVAL}, so that the query service embeds queries with the model a replay swapped
   * in. Unlike Lucene's generation switch this is not atomic with the search: for up to that interval after an alias
   * swap, a query embedded with the previous generation's model may be searched in the new one.
   */
  @Override
  public Optional<String> modelId() throws IOException {
    return model.get();
  }

  @Override
  public long chunkCount() throws IOException {
    var timeout = settings.timeout();
    return QdrantCalls.await(client.countAsync(target, null, true, timeout), timeout, "count");
  }
}
