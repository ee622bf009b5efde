package io.ragstream.query;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.ModelMismatchException;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.RetrievalView.Candidate;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.query.cache.CacheKey;
import io.ragstream.query.cache.QueryCache;
import io.ragstream.query.expand.QueryExpander;
import io.ragstream.query.rerank.Reranker;
import io.ragstream.runtime.Metrics;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keyword, vector and hybrid search over a {@link ChunkSearcher}, with no transport in it: the HTTP server, the CLI
 * and the evaluation harness all call {@link #search}.
 *
 * <p>Hybrid search runs both retrievers in parallel, each with the same tenant and metadata filter (applied inside
 * the retriever, so each returns its top candidates <em>among allowed chunks</em>), and fuses the two ranked lists
 * ({@link HybridFusion}). An optional {@link Reranker} re-scores the best fused candidates; asking for rerank
 * without one is an {@link IllegalArgumentException} (HTTP 400), never a silent no-op. An optional
 * {@link QueryCache} answers repeated queries; see {@link CacheKey} for what separates two cached answers. An
 * optional {@link QueryExpander} adds rephrasings of a query ({@code expand}), each searched like the query, the
 * rankings fused by RRF. {@link SearchMode#HIERARCHICAL} ranks documents by their best fused chunk, then searches
 * within the best ones.
 *
 * <p>Each search is timed in the {@code ragstream.query.latency} timer, tagged by mode, with a percentile histogram
 * so Prometheus can compute p50/p95/p99 across instances; cache lookups count in {@code ragstream.query.cache}
 * tagged {@code result=hit|miss}.
 */
public final class SearchService implements AutoCloseable {
  public static final String KEYWORD = "keyword";
  public static final String VECTOR = "vector";
  public static final String RERANK = "rerank";
  /** The rank key of a result's document in hierarchical mode, and of its multi-query fusion. */
  public static final String DOCUMENT = "document";
  public static final String MULTI_QUERY = "multiQuery";
  /** How many documents hierarchical mode opens (fewer when {@code k} is smaller). */
  public static final int HIERARCHICAL_DOCUMENTS = 3;
  public static final String LATENCY_METER = "ragstream.query.latency";
  public static final String CACHE_METER = "ragstream.query.cache";
  /**
   * Whether search queries are embedded by the index model's int8 twin where one ships ({@link QueryModels}). Off:
   * on SciFact train it cut the hybrid p50 from 12.0 to 9.2 ms but hybrid nDCG@10 from 0.7321 to 0.7284, below the
   * quality floor (docs/BENCHMARKS.md); a deployment that prefers the latency turns it on.
   */
  public static final boolean DEFAULT_QUANTIZED_QUERIES = false;

  private final ChunkSearcher searcher;
  private final EmbeddingModel model;
  private final QueryModels models;
  private final boolean ownsModels;
  private final SearchConfig config;
  private final HybridFusion fusion;
  private final QueryCache cache;
  private final Supplier<String> generation;
  private final Reranker reranker;
  private final QueryExpander expander;
  private final Builder origin;
  private final Map<SearchMode, Timer> latency = new EnumMap<>(SearchMode.class);
  private final Counter hits;
  private final Counter misses;
  // embedding the query and vector search block for milliseconds; a virtual thread per search costs next to nothing
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /** Records latency in the process-wide {@link Metrics#registry()}. */
  public SearchService(ChunkSearcher searcher, EmbeddingModel model, SearchConfig config) {
    this(searcher, model, config, Metrics.registry());
  }

  public SearchService(ChunkSearcher searcher, EmbeddingModel model, SearchConfig config, MeterRegistry registry) {
    this(builder(searcher, model).config(config).registry(registry), true);
  }

  private SearchService(Builder b, boolean ownsModels) {
    this.searcher = Objects.requireNonNull(b.searcher, "searcher");
    this.model = Objects.requireNonNull(b.model, "model");
    this.models = b.models();
    this.ownsModels = ownsModels;
    this.config = Objects.requireNonNull(b.config, "config");
    this.fusion = new HybridFusion(config);
    this.cache = b.cache;
    this.generation = b.generation;
    this.reranker = b.reranker;
    this.expander = b.expander;
    this.origin = b;
    // registered up front so dashboards show every mode from the start, not after its first query
    for (SearchMode mode : SearchMode.values()) {
      latency.put(mode, Timer.builder(LATENCY_METER)
          .description("Search latency, retrieval and fusion")
          .tag("mode", mode.wireName())
          .publishPercentileHistogram()
          .register(b.registry));
    }
    String kind = cache == null ? "none" : cache.kind();
    hits = Counter.builder(CACHE_METER).description("Query cache lookups").tag("result", "hit").tag("cache", kind)
        .register(b.registry);
    misses = Counter.builder(CACHE_METER).description("Query cache lookups").tag("result", "miss").tag("cache", kind)
        .register(b.registry);
  }

  /** Starts a service with optional parts (cache, reranker). */
  public static Builder builder(ChunkSearcher searcher, EmbeddingModel model) {
    return new Builder(searcher, model);
  }

  public SearchConfig config() {
    return config;
  }

  /**
   * A service with other settings and every other part (store, model, cache, reranker, expander, metrics) the same:
   * an A/B experiment's variant. Close it separately.
   */
  public SearchService withConfig(SearchConfig value) {
    return new SearchService(origin.copy().config(value), false);
  }

  /** Whether an expander is configured, i.e. whether {@code expand: true} is accepted. */
  public boolean canExpand() {
    return expander != null;
  }

  /** Whether a reranker is configured, i.e. whether {@code rerank: true} is accepted. */
  public boolean canRerank() {
    return reranker != null;
  }

  /**
   * Runs the search, or answers it from the cache.
   *
   * @throws IllegalArgumentException if {@code k} exceeds {@link SearchConfig#maxK()}, or rerank is asked for
   *     without a reranker
   * @throws IOException if a retriever fails
   */
  public SearchResponse search(SearchRequest request) throws IOException {
    if (request.k() > config.maxK()) {
      throw new IllegalArgumentException("k must be between 1 and " + config.maxK() + ", got " + request.k());
    }
    if (request.rerank() && reranker == null) {
      throw new IllegalArgumentException(
          "rerank is not configured: this server has no reranker model; retry without rerank");
    }
    if (request.expand() && expander == null) {
      throw new IllegalArgumentException(
          "expand is not configured: this server has no chat endpoint (RAGSTREAM_LLM_BASE_URL); retry without expand");
    }
    if (cache == null) {
      return compute(request);
    }
    long start = System.nanoTime();
    CacheKey key = CacheKey.of(request, settings(), generation.get());
    long sequence = cache.sequence();
    Optional<SearchResponse> cached = cache.get(key);
    if (cached.isPresent()) {
      hits.increment();
      return cached.get().fromCache(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
    misses.increment();
    SearchResponse response = compute(request);
    cache.put(key, response, sequence);
    return response;
  }

  private String settings() {
    return config.fingerprint() + ";model=" + model.id() + ";queryModel=" + models.searchModelId(model.id())
        + ";reranker=" + (reranker == null ? "-" : reranker.id())
        + ";expander=" + (expander == null ? "-" : expander.id());
  }

  private SearchResponse compute(SearchRequest request) throws IOException {
    long start = System.nanoTime();
    SearchFilter filter = new SearchFilter(request.tenant(), request.filter(), null,
        request.principals() == null ? null : java.util.Set.copyOf(request.principals()));
    // with rerank, retrieve more than k so the reranker can promote a chunk the retrievers ranked lower
    int n = request.rerank() ? Math.max(request.k(), config.rerankCandidates()) : request.k();
    List<SearchResult> results = request.expand()
        ? multiQuery(request.mode(), request.query(), n, filter)
        : retrieve(request.mode(), request.query(), n, filter);
    if (request.rerank()) {
      results = rerank(request.query(), results, request.k());
    }
    long nanos = System.nanoTime() - start;
    latency.get(request.mode()).record(nanos, TimeUnit.NANOSECONDS);
    return new SearchResponse(results, TimeUnit.NANOSECONDS.toMillis(nanos), request.mode());
  }

  private List<SearchResult> retrieve(SearchMode mode, String query, int n, SearchFilter filter) throws IOException {
    return switch (mode) {
      case KEYWORD -> HybridFusion.single(KEYWORD, keywordSearch(query, n, filter), n);
      case VECTOR -> HybridFusion.single(VECTOR, vectorSearch(query, n, filter), n);
      case HYBRID -> hybrid(query, n, filter);
      case HIERARCHICAL -> hierarchical(query, n, filter);
    };
  }

  /** The query and its rephrasings searched in parallel, fused by RRF over their rankings. */
  private List<SearchResult> multiQuery(SearchMode mode, String query, int n, SearchFilter filter)
      throws IOException {
    List<String> queries = new ArrayList<>();
    queries.add(query);
    queries.addAll(expander.expand(query));
    List<Future<List<SearchResult>>> futures = new ArrayList<>();
    for (String q : queries) {
      futures.add(executor.submit(() -> retrieve(mode, q, n, filter)));
    }
    List<List<SearchResult>> rankings = new ArrayList<>();
    try {
      for (Future<List<SearchResult>> f : futures) {
        rankings.add(f.get());
      }
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for an expanded query");
    } finally {
      futures.forEach(f -> f.cancel(true));
    }
    return HybridFusion.multiQuery(rankings, config.rrfK(), n);
  }

  /**
   * Documents first: a hybrid search over the candidates ranks documents by their best chunk; then, per document
   * in that order, a hybrid search restricted to it picks its best chunks, so a chunk of a top document that was not
   * among the global candidates can still be shown with its siblings. The query is embedded once.
   */
  private List<SearchResult> hierarchical(String query, int k, SearchFilter filter) throws IOException {
    int n = Math.max(k, config.candidatesPerRetriever());
    QueryVector vector = embed(query);
    List<SearchResult> pool = fusion.fuse(keywordSearch(query, n, filter),
        guarded(() -> vectorSearch(vector, n, filter)), n);
    List<String> documents = pool.stream().map(SearchResult::docId).distinct()
        .limit(Math.min(HIERARCHICAL_DOCUMENTS, k)).toList();
    int perDocument = documents.isEmpty() ? 0 : (k + documents.size() - 1) / documents.size();
    List<Future<List<SearchResult>>> within = new ArrayList<>();
    for (String docId : documents) {
      SearchFilter inDoc = new SearchFilter(filter.tenant(), filter.metadata(), docId, filter.principals());
      within.add(executor.submit(() -> fusion.fuse(keywordSearch(query, perDocument, inDoc),
          guarded(() -> vectorSearch(vector, perDocument, inDoc)), perDocument)));
    }
    List<List<SearchResult>> byDocument = new ArrayList<>();
    try {
      for (Future<List<SearchResult>> f : within) {
        byDocument.add(f.get());
      }
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while searching within documents");
    } finally {
      within.forEach(f -> f.cancel(true));
    }
    return HybridFusion.byDocument(byDocument, k);
  }

  /**
   * Query vectors of the served model, exactly as a vector search embeds its query (the served generation's model,
   * the query-side instruction prefix where the model has one), for {@code POST /v1/embeddings}.
   *
   * @param tokens the inputs' token counts as the model's tokenizer counts them
   */
  public record Embeddings(String modelId, List<float[]> vectors, int tokens) {}

  /** Embeds {@code inputs} as queries with the served model (see {@link Embeddings}). */
  public Embeddings embedQueries(List<String> inputs) throws IOException {
    String modelId = searcher.modelId().orElse(model.id());
    io.ragstream.embedding.EmbeddingModel served = models.get(modelId);
    List<float[]> vectors = new ArrayList<>(inputs.size());
    int tokens = 0;
    for (String input : inputs) {
      vectors.add(served.embedQuery(input));
      tokens += served.tokenizer().countTokens(input);
    }
    return new Embeddings(modelId, vectors, tokens);
  }

  /** A query embedded by the model whose vectors it is to be compared with. */
  private record QueryVector(String query, String modelId, float[] vector) {}

  /** Embeds with the model of the served generation's vectors (the configured one when the store does not say). */
  private QueryVector embed(String query) throws IOException {
    return embed(query, searcher.modelId().orElse(model.id()));
  }

  private QueryVector embed(String query, String modelId) {
    try {
      return new QueryVector(query, modelId, models.forSearch(modelId).embedQuery(query));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("model rejected a validated query", e);
    }
  }

  /**
   * Vector search that never compares two models' vectors: when a generation of another model was swapped in
   * between embedding and searching, the query is embedded again with that model and searched once more.
   */
  private List<Hit> vectorSearch(QueryVector vector, int n, SearchFilter filter) throws IOException {
    try {
      return searcher.vectorSearch(vector.modelId(), vector.vector(), n, filter);
    } catch (ModelMismatchException e) {
      QueryVector again = embed(vector.query(), e.held());
      return searcher.vectorSearch(again.modelId(), again.vector(), n, filter);
    }
  }

  @Override
  public void close() {
    executor.shutdown();
    if (ownsModels) {
      models.close();
    }
  }

  private List<Hit> keywordSearch(String query, int n, SearchFilter filter) throws IOException {
    return guarded(() -> searcher.keywordSearch(query, n, filter));
  }

  private List<Hit> vectorSearch(String query, int n, SearchFilter filter) throws IOException {
    return guarded(() -> vectorSearch(embed(query), n, filter));
  }

  private static <T> T guarded(Retrieval<T> retrieval) throws IOException {
    try {
      return retrieval.get();
    } catch (IllegalArgumentException e) {
      // the request is valid by now, so a store or model rejecting it is a server-side fault (e.g. a dimension
      // mismatch), and must not reach the client as a 400 carrying an internal message
      throw new IllegalStateException("retriever rejected a validated request", e);
    }
  }

  @FunctionalInterface
  private interface Retrieval<T> {
    T get() throws IOException;
  }

  /**
   * Both retrievers over one point-in-time view ({@link ChunkSearcher#view}), in two phases: each returns its
   * candidates as keys and scores, and stored chunks are read only for the fused top k (on Lucene, 30 of up to 100
   * candidates in eval's top-30 search) and the keyword side's top k. The vector side (query embedding + ANN) is the
   * slower one: it starts first, on another thread, and BM25 runs on this one meanwhile, then reads its best
   * candidates' chunks while the query is still being embedded ({@link #prefetch}). The results are those of fusing
   * the two loaded hit lists.
   */
  private List<SearchResult> hybrid(String query, int k, SearchFilter filter) throws IOException {
    int n = Math.max(k, config.candidatesPerRetriever());
    try (RetrievalView view = searcher.view()) {
      // the model is read from the view, so the vector is embedded by the model of the vectors it is compared with
      String modelId = view.modelId().orElse(model.id());
      Future<List<Candidate>> vector = executor.submit(() -> vectorCandidates(view, query, modelId, n, filter));
      List<Candidate> keyword;
      try {
        keyword = guarded(() -> view.keyword(query, n, filter));
        prefetch(view, keyword, k, vector);
      } catch (IOException | RuntimeException | Error e) {
        // the vector side still uses the view: let it finish before the view is closed under it
        awaitQuietly(vector);
        throw e;
      }
      return fusion.fuse(keyword, vector.get(), k, view::chunk);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for vector search");
    }
  }

  /**
   * Reads the stored chunks of the best keyword candidates while the vector side is still embedding the query
   * (BM25 returns in about a millisecond, the embedding takes several): most of the fused top k are among them, so
   * fusion then reads only the rest. Stops as soon as the vector side is done, so it never delays fusion by more
   * than one chunk's read; on SciFact claims that read of 30 chunks was about 0.5 ms of a 6–8 ms search.
   */
  private static void prefetch(RetrievalView view, List<Candidate> keyword, int k, Future<?> vector)
      throws IOException {
    for (int i = 0; i < Math.min(k, keyword.size()) && !vector.isDone(); i++) {
      view.chunk(keyword.get(i).key());
    }
  }

  private List<Candidate> vectorCandidates(RetrievalView view, String query, String modelId, int n,
      SearchFilter filter) throws IOException {
    return guarded(() -> {
      QueryVector vector = embed(query, modelId);
      try {
        return view.vector(vector.modelId(), vector.vector(), n, filter);
      } catch (ModelMismatchException e) {
        // the view's model is read once, so this is a store whose model changed between the two reads
        QueryVector again = embed(query, e.held());
        return view.vector(again.modelId(), again.vector(), n, filter);
      }
    });
  }

  private static void awaitQuietly(Future<?> future) {
    boolean interrupted = false;
    while (true) {
      try {
        future.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | java.util.concurrent.CancellationException e) {
        break; // the caller is already failing with the first error
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private List<SearchResult> rerank(String query, List<SearchResult> candidates, int k) {
    if (candidates.isEmpty()) {
      return candidates;
    }
    float[] scores = reranker.score(query, candidates.stream().map(SearchResult::text).toList());
    if (scores.length != candidates.size()) {
      throw new IllegalStateException("reranker " + reranker.id() + " returned " + scores.length + " scores for "
          + candidates.size() + " passages");
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      order.add(i);
    }
    // stable: equal rerank scores keep the retrieval order
    order.sort((a, b) -> Float.compare(scores[b], scores[a]));
    List<SearchResult> reranked = new ArrayList<>(Math.min(k, order.size()));
    for (int i = 0; i < order.size() && i < k; i++) {
      SearchResult c = candidates.get(order.get(i));
      Map<String, Integer> ranks = new LinkedHashMap<>(c.ranks());
      ranks.put(RERANK, i + 1);
      Map<String, Double> byRetriever = new LinkedHashMap<>(c.scores());
      double score = HybridFusion.exact(scores[order.get(i)]);
      byRetriever.put(RERANK, score);
      reranked.add(new SearchResult(c.chunkId(), c.docId(), score, c.text(), c.headings(), c.metadata(), c.title(),
          Collections.unmodifiableMap(ranks), Collections.unmodifiableMap(byRetriever)));
    }
    return reranked;
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

  /** Assembles a {@link SearchService}; only the searcher and the model are required. */
  public static final class Builder {
    private final ChunkSearcher searcher;
    private final EmbeddingModel model;
    private SearchConfig config = SearchConfig.defaults();
    private MeterRegistry registry = Metrics.registry();
    private QueryCache cache;
    private Supplier<String> generation = () -> "-";
    private Reranker reranker;
    private QueryExpander expander;
    private Function<String, ? extends EmbeddingModel> modelLoader =
        id -> EmbeddingModels.load(id, OnnxOptions.forQueries());
    private QueryModels models; // made by the first service built, shared by its withConfig variants
    private boolean quantizedQueries = DEFAULT_QUANTIZED_QUERIES;

    private Builder(ChunkSearcher searcher, EmbeddingModel model) {
      this.searcher = searcher;
      this.model = model;
    }

    private QueryModels models() {
      if (models == null) {
        models = new QueryModels(Objects.requireNonNull(model, "model"), modelLoader, quantizedQueries);
      }
      return models;
    }

    private Builder copy() {
      Builder b = new Builder(searcher, model);
      b.modelLoader = modelLoader;
      b.quantizedQueries = quantizedQueries;
      b.models = models();
      b.config = config;
      b.registry = registry;
      b.cache = cache;
      b.generation = generation;
      b.reranker = reranker;
      b.expander = expander;
      return b;
    }

    /** Enables {@code expand: true}: the query's rephrasings are searched too. */
    public Builder expander(QueryExpander value) {
      this.expander = Objects.requireNonNull(value, "expander");
      return this;
    }

    public Builder config(SearchConfig value) {
      this.config = Objects.requireNonNull(value, "config");
      return this;
    }

    public Builder registry(MeterRegistry value) {
      this.registry = Objects.requireNonNull(value, "registry");
      return this;
    }

    /**
     * Answers repeated queries from {@code value}.
     *
     * @param indexGeneration the generation being served, read per query: part of every key
     */
    public Builder cache(QueryCache value, Supplier<String> indexGeneration) {
      this.cache = Objects.requireNonNull(value, "cache");
      this.generation = Objects.requireNonNull(indexGeneration, "indexGeneration");
      return this;
    }

    public Builder reranker(Reranker value) {
      this.reranker = Objects.requireNonNull(value, "reranker");
      return this;
    }

    /**
     * How a model other than the configured one is loaded when the served generation holds its vectors (default:
     * {@link EmbeddingModels#load} with {@link OnnxOptions#forQueries}, the models that ship in jars).
     */
    public Builder modelLoader(Function<String, ? extends EmbeddingModel> value) {
      this.modelLoader = Objects.requireNonNull(value, "modelLoader");
      return this;
    }

    /**
     * Whether search queries are embedded by the int8 twin of the index's model where one ships (default
     * {@link #DEFAULT_QUANTIZED_QUERIES}); see {@link QueryModels}. {@code POST /v1/embeddings} always uses the
     * model itself.
     */
    public Builder quantizedQueries(boolean value) {
      this.quantizedQueries = value;
      return this;
    }

    public SearchService build() {
      return new SearchService(this, true);
    }
  }
}
