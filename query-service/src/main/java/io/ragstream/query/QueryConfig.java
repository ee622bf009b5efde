package io.ragstream.query;

import io.ragstream.embedding.ModelSettings;
import io.ragstream.indexer.store.GenerationSetting;
import io.ragstream.query.answer.Answerers;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.AuthSettings;
import io.ragstream.query.cache.QueryCacheSettings;
import io.ragstream.query.experiment.Experiments;
import io.ragstream.query.expand.QueryExpanders;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The query stage's settings: the same in every mode (embedded, {@code stage query}, the local cluster), so every
 * query process has the cache, reranker, answers, expansion, experiments and API keys its settings ask for.
 *
 * @param port the HTTP port (search, answers, status pages, health, readiness, metrics); 0: ephemeral
 * @param modelId the embedding model queries are embedded with
 * @param search ranking settings
 * @param cache the query cache (in-process, Redis shared by replicas, or off)
 * @param rerankerModel a cross-encoder directory ({@code model.onnx} + {@code tokenizer.json}); null: none
 * @param features the LLM, expansion, experiment and API key settings as variables, read by {@code Answerers},
 *     {@code QueryExpanders}, {@code Experiments} and {@code ApiKeys} (validated in {@link #from})
 */
public record QueryConfig(int port, String modelId, SearchConfig search, QueryCacheSettings cache,
    Path rerankerModel, Map<String, String> features) {
  public static final int DEFAULT_PORT = QueryHttpServer.DEFAULT_PORT;
  private static final SearchConfig S = SearchConfig.defaults();

  public static final Setting PORT = Setting.integer("query.port", DEFAULT_PORT, 0, 65_535,
      "query HTTP port (search, answers, status page)");
  public static final Setting RRF_K = Setting.integer("search.rrf-k", S.rrfK(), 1, 100_000,
      "RRF constant k in 1 / (k + rank)");
  public static final Setting CANDIDATES = Setting.integer("search.candidates-per-retriever",
      S.candidatesPerRetriever(), 1, 10_000, "hits each retriever contributes to hybrid fusion");
  public static final Setting MAX_K = Setting.integer("search.max-k", S.maxK(), 1, 10_000,
      "largest k a request may ask for");
  public static final Setting FUSION = Setting.choice("search.fusion", S.fusion().wireName(),
      Arrays.stream(Fusion.values()).map(Fusion::wireName).toList(), "how hybrid mode combines the two rankings");
  public static final Setting VECTOR_WEIGHT = Setting.decimal("search.vector-weight", S.vectorWeight(), 0, 1,
      "the vector side's weight in weighted fusion");
  public static final Setting RERANK_CANDIDATES = Setting.integer("search.rerank-candidates", S.rerankCandidates(),
      1, 10_000, "fused candidates a reranker re-scores");
  public static final Setting CACHE = Setting.string("query.cache", "caffeine",
      "caffeine (in-process), redis (shared by replicas; or a redis:// URI) or off");
  public static final Setting CACHE_TTL = Setting.duration("query.cache.ttl", QueryCacheSettings.DEFAULT_TTL,
      Duration.ofMillis(1), Duration.ofDays(30), "longest a cached answer lives");
  public static final Setting CACHE_MAX = Setting.longValue("query.cache.max-entries",
      QueryCacheSettings.DEFAULT_MAX_ENTRIES, 1, Long.MAX_VALUE, "bound of the in-process cache");
  public static final Setting CACHE_PREFIX = Setting.string("query.cache.prefix", "ragstream:", "Redis key prefix");
  public static final Setting REDIS_URI = Setting.string("redis.uri", null,
      "Redis of the shared cache (default redis://localhost:6379/0); may hold a password").asSecret();
  public static final Setting RERANKER = Setting.path("reranker.model", null,
      "cross-encoder directory (model.onnx + tokenizer.json); unset: no cross-encoder");
  public static final Setting LLM_BASE_URL = Setting.string("llm.base-url", null,
      "OpenAI-compatible chat endpoint for answers and query expansion; unset: extractive answers");
  public static final Setting LLM_MODEL = Setting.string("llm.model", null, "chat model (required with a base URL)");
  public static final Setting LLM_API_KEY = Setting.string("llm.api-key", null, "chat endpoint API key").asSecret();
  public static final Setting LLM_TIMEOUT = Setting.duration("llm.timeout", Duration.ofSeconds(60),
      Duration.ofMillis(1), Duration.ofHours(1), "chat request timeout");
  public static final Setting LLM_CONTEXT_TOKENS = Setting.integer("llm.context-tokens",
      Answerers.DEFAULT_CONTEXT_TOKENS, 1, 1_000_000, "token budget of the context sent with a question");
  public static final Setting EXPANSION_QUERIES = Setting.integer("expansion.queries", QueryExpanders.DEFAULT_QUERIES,
      1, 100, "queries a multi-query expansion asks the LLM for");
  public static final Setting EXPANSION_TIMEOUT = Setting.duration("expansion.timeout", Duration.ofSeconds(10),
      Duration.ofMillis(1), Duration.ofHours(1), "expansion request timeout");
  public static final Setting EXPERIMENTS_FILE = Setting.path("experiments.file", null,
      "A/B experiments definition (docs/QUERY.md)").withEnv(Experiments.FILE_ENV);
  public static final Setting API_KEYS = AuthSettings.API_KEYS;
  public static final Setting API_KEYS_FILE = AuthSettings.API_KEYS_FILE;
  public static final Setting ALLOWED_HOSTS = AuthSettings.ALLOWED_HOSTS;

  public static final List<Setting> SETTINGS = List.of(PORT, RRF_K, CANDIDATES, MAX_K, FUSION, VECTOR_WEIGHT,
      RERANK_CANDIDATES, CACHE, CACHE_TTL, CACHE_MAX, CACHE_PREFIX, REDIS_URI, RERANKER, LLM_BASE_URL, LLM_MODEL,
      LLM_API_KEY, LLM_TIMEOUT, LLM_CONTEXT_TOKENS, EXPANSION_QUERIES, EXPANSION_TIMEOUT, EXPERIMENTS_FILE, API_KEYS,
      API_KEYS_FILE, ALLOWED_HOSTS);

  /** Everything `stage query` reads (the store settings are the launcher's). */
  public static final List<Setting> ALL = all();

  public QueryConfig {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("query port must be between 0 and 65535, got " + port);
    }
    ModelSettings.modelId(modelId);
    Objects.requireNonNull(search, "search");
    Objects.requireNonNull(cache, "cache");
    features = Map.copyOf(features);
  }

  /** Defaults: port 8080, the in-process cache, no reranker, extractive answers, no expansion, no experiments. */
  public static QueryConfig defaults(int port, String modelId) {
    return new QueryConfig(port, modelId, SearchConfig.defaults(), QueryCacheSettings.defaults(), null, Map.of());
  }

  /** The same config with the given features (variables such as {@code RAGSTREAM_LLM_BASE_URL}). */
  public QueryConfig withFeatures(Map<String, String> values) {
    return new QueryConfig(port, modelId, search, cache, rerankerModel, values);
  }

  public static QueryConfig from(Settings settings) {
    SearchConfig search = new SearchConfig(settings.integer(RRF_K), settings.integer(CANDIDATES),
        settings.integer(MAX_K), Fusion.parse(settings.string(FUSION)), settings.decimal(VECTOR_WEIGHT),
        settings.integer(RERANK_CANDIDATES));
    Map<String, String> env = settings.asEnvironment();
    QueryCacheSettings cache = QueryCacheSettings.fromEnvironment(env);
    if (settings.optional(LLM_BASE_URL).isPresent() && settings.optional(LLM_MODEL).isEmpty()) {
      throw new IllegalArgumentException(LLM_BASE_URL.env() + " is set, so " + LLM_MODEL.env() + " is required");
    }
    ApiKeys.fromEnvironment(env); // reads and checks the keys now: a bad keys file refuses to start
    return new QueryConfig(settings.integer(PORT), settings.string(ModelSettings.MODEL), search, cache,
        settings.optional(RERANKER).map(Path::of).orElse(null), env);
  }

  private static List<Setting> all() {
    List<Setting> all = new ArrayList<>(CommonSettings.ALL);
    all.add(ModelSettings.MODEL);
    all.add(GenerationSetting.GENERATION);
    all.addAll(SETTINGS);
    return List.copyOf(all);
  }

  @Override
  public String toString() {
    return "QueryConfig[port=" + port + ", modelId=" + modelId + ", search=" + search + ", cache=" + cache.kind()
        .name().toLowerCase(Locale.ROOT) + ", rerankerModel=" + rerankerModel + "]"; // features may hold secrets
  }
}
