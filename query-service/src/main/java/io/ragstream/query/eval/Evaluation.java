package io.ragstream.query.eval;

import io.ragstream.query.SearchMode;
import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchResponse;
import io.ragstream.query.SearchResult;
import io.ragstream.query.SearchService;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs every judged query of a split through a {@link SearchService} (the code the HTTP API calls) and scores the
 * rankings with {@link RankingMetrics}. Chunks are folded into documents by their first (best) occurrence, since
 * qrels judge documents.
 *
 * <p>Each query is searched twice. The timed search asks for {@link Settings#topChunks()} chunks, a request of the
 * size a client makes for a top-10, so hybrid fusion runs with the configured top-N per retriever; nDCG@10, MRR@10
 * and P@10 come from it. An untimed deep search ({@link Settings#chunkDepth()} chunks) gives Recall@100: asking a
 * hybrid search for 300 chunks also raises each retriever's top-N to 300, which changes the fused top-10, so the
 * headline metrics must not come from it.
 *
 * <p>Latency is the wall time of {@link SearchService#search} per query, query embedding included, measured after
 * a warm-up pass over the queries (JIT compilation and the first ONNX runs would otherwise dominate it), so it is
 * the latency of a service that has been serving for a while. The timed searches run as one pass, and the deep
 * searches in a second pass after it: interleaved, each timed search followed a 300-chunk search whose garbage and
 * cache traffic it then paid for, which no client of a top-10 endpoint does.
 */
public final class Evaluation {
  /** nDCG, MRR and P are taken at this depth, recall at {@link #RECALL_DEPTH}: BEIR's headline cut-offs. */
  public static final int TOP = 10;
  public static final int RECALL_DEPTH = 100;
  /**
   * Searches run before timing starts (the queries in order, again and again if there are fewer). Thousands, because
   * much of a search's Java code runs once per search, and HotSpot compiles a method with its optimising compiler
   * only after thousands of calls: on SciFact train, hybrid p50 was 7.9 ms after 200 warm-up searches and 5.7–6.6
   * ms after 5,000 on the same index (p99 18.4 against 10.9–12.8 ms; docs/BENCHMARKS.md, "Query latency").
   */
  public static final int DEFAULT_WARM_UP = 5_000;

  /**
   * How to search.
   *
   * @param mode keyword, vector or hybrid
   * @param topChunks chunks requested for the top-10 metrics; several chunks of a document fold into one, so this
   *     exceeds 10 for the top 10 to hold 10 documents
   * @param chunkDepth chunks requested for Recall@100; must exceed {@link #RECALL_DEPTH} for the same reason
   * @param tenant the tenant the corpus was published to
   * @param rerank whether to ask for the configured reranker
   * @param limit evaluate only the first this many judged queries (qrels order), 0 for all: a short latency run
   * @param warmUp untimed searches before the timed pass
   */
  public record Settings(SearchMode mode, int topChunks, int chunkDepth, String tenant, boolean rerank, int limit,
      int warmUp) {
    public Settings {
      Objects.requireNonNull(mode, "mode");
      if (topChunks < TOP) {
        throw new IllegalArgumentException("top chunks must be at least " + TOP + ", got " + topChunks);
      }
      if (chunkDepth < RECALL_DEPTH) {
        throw new IllegalArgumentException("chunk depth must be at least " + RECALL_DEPTH + ", got " + chunkDepth);
      }
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be 0 (all queries) or positive, got " + limit);
      }
      if (warmUp < 0) {
        throw new IllegalArgumentException("warm-up must not be negative, got " + warmUp);
      }
    }

    /** Every judged query, after {@link #DEFAULT_WARM_UP} warm-up searches. */
    public Settings(SearchMode mode, int topChunks, int chunkDepth, String tenant, boolean rerank) {
      this(mode, topChunks, chunkDepth, tenant, rerank, 0, DEFAULT_WARM_UP);
    }

    /** The same with only the first {@code value} judged queries (in qrels order); 0 for all. */
    public Settings withLimit(int value) {
      return new Settings(mode, topChunks, chunkDepth, tenant, rerank, value, warmUp);
    }

    /** The same with {@code value} warm-up searches. */
    public Settings withWarmUp(int value) {
      return new Settings(mode, topChunks, chunkDepth, tenant, rerank, limit, value);
    }
  }

  /** Reports how many queries are done, so a long run shows progress. */
  @FunctionalInterface
  public interface Progress {
    void done(int queries, int total);
  }

  private Evaluation() {}

  /**
   * Evaluates the judged queries that have a text in {@code queries} and at least one relevant document.
   *
   * @throws IOException if a search fails: an evaluation with silently missing queries would be wrong
   */
  public static EvalReport run(SearchService search, Map<String, String> queries, Qrels qrels, Settings settings,
      Progress progress) throws IOException {
    List<String> ids = new ArrayList<>();
    for (String id : qrels.queryIds()) {
      if (queries.containsKey(id) && qrels.of(id).values().stream().anyMatch(g -> g > 0)) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("no judged query has a text and a relevant document");
    }
    if (settings.limit() > 0 && ids.size() > settings.limit()) {
      ids = List.copyOf(ids.subList(0, settings.limit()));
    }
    for (int i = 0; i < settings.warmUp(); i++) {
      search.search(request(queries.get(ids.get(i % ids.size())), settings.topChunks(), settings));
    }
    long[] nanos = new long[ids.size()];
    List<List<String>> rankings = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      String query = queries.get(ids.get(i));
      long start = System.nanoTime();
      SearchResponse response = search.search(request(query, settings.topChunks(), settings));
      nanos[i] = System.nanoTime() - start;
      rankings.add(documents(response.results()));
    }
    double ndcg = 0;
    double recall = 0;
    double mrr = 0;
    double precision = 0;
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      List<String> ranking = rankings.get(i);
      Map<String, Integer> judged = qrels.of(id);
      ndcg += RankingMetrics.ndcg(ranking, judged, TOP);
      List<String> deep = documents(search.search(request(queries.get(id), settings.chunkDepth(), settings))
          .results());
      recall += RankingMetrics.recall(deep, judged, RECALL_DEPTH);
      mrr += RankingMetrics.reciprocalRank(ranking, judged, TOP);
      precision += RankingMetrics.precision(ranking, judged, TOP);
      if ((i + 1) % 100 == 0 || i + 1 == ids.size()) {
        progress.done(i + 1, ids.size());
      }
    }
    int n = ids.size();
    Arrays.sort(nanos);
    return new EvalReport(settings.mode().wireName(), settings.rerank(), n, ndcg / n, recall / n, mrr / n,
        precision / n, percentileMs(nanos, 50), percentileMs(nanos, 99));
  }

  private static SearchRequest request(String query, int chunks, Settings settings) {
    return new SearchRequest(query, chunks, settings.mode(), settings.tenant(), Map.of(), settings.rerank());
  }

  /** Document ids in order of their best chunk. */
  static List<String> documents(List<SearchResult> results) {
    Set<String> docs = new LinkedHashSet<>();
    for (SearchResult result : results) {
      docs.add(result.docId());
    }
    return List.copyOf(docs);
  }

  /** Nearest-rank percentile of sorted durations, in milliseconds. */
  static double percentileMs(long[] sortedNanos, int percentile) {
    int rank = (int) Math.ceil(percentile / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)] / 1e6;
  }
}
