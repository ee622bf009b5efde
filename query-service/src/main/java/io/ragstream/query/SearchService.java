package io.ragstream.query;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.runtime.Metrics;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Keyword, vector and hybrid search over a {@link ChunkSearcher}, with no transport in it: the HTTP server, the CLI
 * and the evaluation harness all call {@link #search}.
 *
 * <p>Hybrid search runs both retrievers in parallel, each with the same tenant and metadata filter (applied inside
 * the retriever, so each returns its top candidates <em>among allowed chunks</em>), and fuses the two ranked lists
 * by Reciprocal Rank Fusion: {@code score(c) = sum over retrievers r that returned c of 1 / (rrfK + rank_r(c))}.
 * RRF uses ranks only, so BM25 scores and cosine similarities, which live on unrelated scales, need no
 * normalisation. Ties are broken by the better single rank, then by chunk id, so results are deterministic.
 *
 * <p>Each search is timed in the {@code ragstream.query.latency} timer, tagged by mode, with a percentile histogram
 * so Prometheus can compute p50/p95/p99 across instances.
 */
public final class SearchService implements AutoCloseable {
  public static final String KEYWORD = "keyword";
  public static final String VECTOR = "vector";
  public static final String LATENCY_METER = "ragstream.query.latency";

  private final ChunkSearcher searcher;
  private final EmbeddingModel model;
  private final SearchConfig config;
  private final Map<SearchMode, Timer> latency = new EnumMap<>(SearchMode.class);
  // embedding the query and vector search block for milliseconds; a virtual thread per search costs next to nothing
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /** Records latency in the process-wide {@link Metrics#registry()}. */
  public SearchService(ChunkSearcher searcher, EmbeddingModel model, SearchConfig config) {
    this(searcher, model, config, Metrics.registry());
  }

  public SearchService(ChunkSearcher searcher, EmbeddingModel model, SearchConfig config, MeterRegistry registry) {
    this.searcher = Objects.requireNonNull(searcher, "searcher");
    this.model = Objects.requireNonNull(model, "model");
    this.config = Objects.requireNonNull(config, "config");
    // registered up front so dashboards show every mode from the start, not after its first query
    for (SearchMode mode : SearchMode.values()) {
      latency.put(mode, Timer.builder(LATENCY_METER)
          .description("Search latency, retrieval and fusion")
          .tag("mode", mode.wireName())
          .publishPercentileHistogram()
          .register(registry));
    }
  }

  public SearchConfig config() {
    return config;
  }

  /**
   * Runs the search.
   *
   * @throws IllegalArgumentException if {@code k} exceeds {@link SearchConfig#maxK()}
   * @throws IOException if a retriever fails
   */
  public SearchResponse search(SearchRequest request) throws IOException {
    if (request.k() > config.maxK()) {
      throw new IllegalArgumentException("k must be between 1 and " + config.maxK() + ", got " + request.k());
    }
    long start = System.nanoTime();
    SearchFilter filter = new SearchFilter(request.tenant(), request.filter(), null);
    List<SearchResult> results = switch (request.mode()) {
      case KEYWORD -> single(KEYWORD, keywordSearch(request.query(), request.k(), filter), request.k());
      case VECTOR -> single(VECTOR, vectorSearch(request.query(), request.k(), filter), request.k());
      case HYBRID -> hybrid(request, filter);
    };
    long nanos = System.nanoTime() - start;
    latency.get(request.mode()).record(nanos, TimeUnit.NANOSECONDS);
    return new SearchResponse(results, TimeUnit.NANOSECONDS.toMillis(nanos), request.mode());
  }

  @Override
  public void close() {
    executor.shutdown();
  }

  private List<Hit> keywordSearch(String query, int n, SearchFilter filter) throws IOException {
    return guarded(() -> searcher.keywordSearch(query, n, filter));
  }

  private List<Hit> vectorSearch(String query, int n, SearchFilter filter) throws IOException {
    return guarded(() -> searcher.vectorSearch(model.embedQuery(query), n, filter));
  }

  private static List<Hit> guarded(Retrieval retrieval) throws IOException {
    try {
      return retrieval.get();
    } catch (IllegalArgumentException e) {
      // the request is valid by now, so a store or model rejecting it is a server-side fault (e.g. a dimension
      // mismatch), and must not reach the client as a 400 carrying an internal message
      throw new IllegalStateException("retriever rejected a validated request", e);
    }
  }

  @FunctionalInterface
  private interface Retrieval {
    List<Hit> get() throws IOException;
  }

  private List<SearchResult> hybrid(SearchRequest request, SearchFilter filter) throws IOException {
    int n = Math.max(request.k(), config.candidatesPerRetriever());
    // the vector side (query embedding + ANN) is the slower one: start it, then do BM25 on this thread meanwhile
    Future<List<Hit>> vector = executor.submit(() -> vectorSearch(request.query(), n, filter));
    try {
      List<Hit> keyword = keywordSearch(request.query(), n, filter);
      return fuse(keyword, vector.get(), request.k());
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for vector search");
    } finally {
      vector.cancel(true);
    }
  }

  private List<SearchResult> fuse(List<Hit> keyword, List<Hit> vector, int k) {
    Map<String, Candidate> byId = new LinkedHashMap<>();
    addRanked(byId, KEYWORD, keyword);
    addRanked(byId, VECTOR, vector);
    return byId.values().stream()
        .sorted(Comparator.comparingDouble(Candidate::fused).reversed()
            .thenComparingInt(Candidate::bestRank)
            .thenComparing(c -> c.chunk.chunkId()))
        .limit(k)
        .map(c -> result(c.chunk, c.fused, c.ranks, c.scores))
        .toList();
  }

  private void addRanked(Map<String, Candidate> byId, String retriever, List<Hit> hits) {
    for (int i = 0; i < hits.size(); i++) {
      Hit hit = hits.get(i);
      Candidate c = byId.computeIfAbsent(hit.chunk().chunkId(), id -> new Candidate(hit.chunk()));
      // a retriever that lists a chunk twice has ranked it at its first position
      if (c.ranks.putIfAbsent(retriever, i + 1) == null) {
        c.scores.put(retriever, exact(hit.score()));
        c.fused += 1.0 / (config.rrfK() + i + 1);
      }
    }
  }

  private static List<SearchResult> single(String retriever, List<Hit> hits, int k) {
    List<SearchResult> results = new ArrayList<>(Math.min(k, hits.size()));
    for (int i = 0; i < hits.size() && i < k; i++) {
      Hit hit = hits.get(i);
      double score = exact(hit.score());
      results.add(result(hit.chunk(), score, Map.of(retriever, i + 1), Map.of(retriever, score)));
    }
    return results;
  }

  private static SearchResult result(
      StoredChunk chunk, double score, Map<String, Integer> ranks, Map<String, Double> scores) {
    return new SearchResult(chunk.chunkId(), chunk.docId(), score, chunk.text(), chunk.headings(), chunk.metadata(),
        chunk.title(), Collections.unmodifiableMap(new LinkedHashMap<>(ranks)),
        Collections.unmodifiableMap(new LinkedHashMap<>(scores)));
  }

  /** The float's shortest decimal as a double, so 0.32f reads 0.32 in JSON rather than 0.3199999928474426. */
  private static double exact(float score) {
    return Double.parseDouble(Float.toString(score));
  }

  private static IOException rethrow(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
    if (cause instanceof RuntimeException re) {
      throw re;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new IOException("vector search failed", cause);
  }

  private static final class Candidate {
    final StoredChunk chunk;
    final Map<String, Integer> ranks = new LinkedHashMap<>();
    final Map<String, Double> scores = new LinkedHashMap<>();
    double fused;

    Candidate(StoredChunk chunk) {
      this.chunk = chunk;
    }

    double fused() {
      return fused;
    }

    int bestRank() {
      return ranks.values().stream().mapToInt(Integer::intValue).min().orElse(Integer.MAX_VALUE);
    }
  }
}
