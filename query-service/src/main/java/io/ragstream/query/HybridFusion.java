package io.ragstream.query;

import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.RetrievalView.Candidate;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuses the keyword and vector rankings by {@link Fusion#RRF} or {@link Fusion#WEIGHTED} (see there). Ties are broken
 * by the better single rank, then by chunk id, so results are deterministic. Each result keeps every retriever's rank
 * and own score, so a client can see why a chunk ranks where it does.
 */
final class HybridFusion {
  static final String KEYWORD = SearchService.KEYWORD;
  static final String VECTOR = SearchService.VECTOR;

  private final SearchConfig config;

  HybridFusion(SearchConfig config) {
    this.config = config;
  }

  /** Fuses two retrievers' hits, matched by chunk id; the keyword side's copy of a chunk both return is served. */
  List<SearchResult> fuse(List<Hit> keyword, List<Hit> vector, int k) {
    Map<String, Long> keys = new HashMap<>();
    Map<Long, StoredChunk> chunks = new HashMap<>();
    List<Candidate> kw = keyed(keyword, keys, chunks);
    List<Candidate> vec = keyed(vector, keys, chunks);
    try {
      return fuse(kw, vec, k, chunks::get);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not reached: the chunks are in memory
    }
  }

  private static List<Candidate> keyed(List<Hit> hits, Map<String, Long> keys, Map<Long, StoredChunk> chunks) {
    List<Candidate> out = new ArrayList<>(hits.size());
    for (Hit hit : hits) {
      long key = keys.computeIfAbsent(hit.chunk().chunkId(), id -> (long) keys.size());
      chunks.putIfAbsent(key, hit.chunk());
      out.add(new Candidate(key, hit.score()));
    }
    return out;
  }

  /** Where fusion reads the stored chunk of a candidate it keeps ({@link RetrievalView#chunk}). */
  @FunctionalInterface
  interface Chunks {
    StoredChunk chunk(long key) throws IOException;
  }

  /**
   * Fuses two retrievers' candidates, matched by key, and reads the stored chunks of only those it returns (and of
   * candidates tied with them on fused score and best rank, whose order the chunk id decides): the same results, in
   * the same order, as fusing the loaded hits.
   */
  List<SearchResult> fuse(List<Candidate> keyword, List<Candidate> vector, int k, Chunks chunks) throws IOException {
    Map<Long, Fused> byKey = new LinkedHashMap<>();
    add(byKey, KEYWORD, keyword, 1 - config.vectorWeight());
    add(byKey, VECTOR, vector, config.vectorWeight());
    List<Fused> order = new ArrayList<>(byKey.values());
    Comparator<Fused> byScore = Comparator.comparingDouble(Fused::fused).reversed().thenComparingInt(Fused::bestRank);
    order.sort(byScore);
    List<SearchResult> out = new ArrayList<>(Math.min(k, order.size()));
    // groups equal on fused score and best rank are ordered by chunk id, which needs their stored chunks
    for (int from = 0; from < order.size() && out.size() < k; ) {
      int to = from + 1;
      while (to < order.size() && byScore.compare(order.get(from), order.get(to)) == 0) {
        to++;
      }
      List<Fused> group = order.subList(from, to);
      for (Fused f : group) {
        f.chunk = chunks.chunk(f.key);
      }
      if (group.size() > 1) {
        group.sort(Comparator.comparing(f -> f.chunk.chunkId()));
      }
      for (int i = 0; i < group.size() && out.size() < k; i++) {
        Fused f = group.get(i);
        out.add(result(f.chunk, f.fused, f.ranks, f.scores));
      }
      from = to;
    }
    return out;
  }

  private void add(Map<Long, Fused> byKey, String retriever, List<Candidate> hits, double weight) {
    float max = Float.NEGATIVE_INFINITY;
    float min = Float.POSITIVE_INFINITY;
    for (Candidate hit : hits) {
      max = Math.max(max, hit.score());
      min = Math.min(min, hit.score());
    }
    for (int i = 0; i < hits.size(); i++) {
      Candidate hit = hits.get(i);
      Fused c = byKey.computeIfAbsent(hit.key(), Fused::new);
      // a retriever that lists a chunk twice has ranked it at its first position
      if (c.ranks.putIfAbsent(retriever, i + 1) == null) {
        c.scores.put(retriever, exact(hit.score()));
        c.fused += switch (config.fusion()) {
          case RRF -> 1.0 / (config.rrfK() + i + 1);
          // a list whose scores are all equal carries no preference among its members: each gets the full weight
          case WEIGHTED -> weight * (max > min ? (hit.score() - min) / (max - min) : 1.0);
        };
      }
    }
  }

  /** A single retriever's ranking as results. */
  static List<SearchResult> single(String retriever, List<Hit> hits, int k) {
    List<SearchResult> results = new ArrayList<>(Math.min(k, hits.size()));
    for (int i = 0; i < hits.size() && i < k; i++) {
      Hit hit = hits.get(i);
      double score = exact(hit.score());
      results.add(result(hit.chunk(), score, Map.of(retriever, i + 1), Map.of(retriever, score)));
    }
    return results;
  }

  /**
   * Rankings of one query and its rephrasings fused by RRF ({@code Σ 1/(rrfK + rank)}); each result keeps the ranks
   * and scores of its first appearance, plus its {@code multiQuery} rank.
   */
  static List<SearchResult> multiQuery(List<List<SearchResult>> rankings, int rrfK, int k) {
    Map<String, SearchResult> first = new LinkedHashMap<>();
    Map<String, Double> fused = new LinkedHashMap<>();
    for (List<SearchResult> ranking : rankings) {
      for (int i = 0; i < ranking.size(); i++) {
        SearchResult r = ranking.get(i);
        first.putIfAbsent(r.chunkId(), r);
        fused.merge(r.chunkId(), 1.0 / (rrfK + i + 1), Double::sum);
      }
    }
    // stable sort: equal fused scores keep the order of first appearance, the original query's ranking first
    List<String> order = new ArrayList<>(first.keySet());
    order.sort(Comparator.comparingDouble((String id) -> fused.get(id)).reversed());
    List<SearchResult> out = new ArrayList<>();
    for (int i = 0; i < order.size() && i < k; i++) {
      SearchResult r = first.get(order.get(i));
      out.add(ranked(r, fused.get(r.chunkId()), SearchService.MULTI_QUERY, i + 1));
    }
    return out;
  }

  /** Per-document rankings, best document first, concatenated; each result ranked by its document too. */
  static List<SearchResult> byDocument(List<List<SearchResult>> documents, int k) {
    List<SearchResult> out = new ArrayList<>();
    for (int d = 0; d < documents.size(); d++) {
      for (SearchResult r : documents.get(d)) {
        if (out.size() < k) {
          out.add(ranked(r, r.score(), SearchService.DOCUMENT, d + 1));
        }
      }
    }
    return out;
  }

  private static SearchResult ranked(SearchResult r, double score, String key, int rank) {
    Map<String, Integer> ranks = new LinkedHashMap<>(r.ranks());
    ranks.put(key, rank);
    return new SearchResult(r.chunkId(), r.docId(), score, r.text(), r.headings(), r.metadata(), r.title(),
        Collections.unmodifiableMap(ranks), r.scores());
  }

  static SearchResult result(StoredChunk chunk, double score, Map<String, Integer> ranks, Map<String, Double> scores) {
    return new SearchResult(chunk.chunkId(), chunk.docId(), score, chunk.text(), chunk.headings(), chunk.metadata(),
        chunk.title(), Collections.unmodifiableMap(new LinkedHashMap<>(ranks)),
        Collections.unmodifiableMap(new LinkedHashMap<>(scores)));
  }

  /** The float's shortest decimal as a double, so 0.32f reads 0.32 in JSON rather than 0.3199999928474426. */
  static double exact(float score) {
    return Double.parseDouble(Float.toString(score));
  }

  private static final class Fused {
    final long key;
    final Map<String, Integer> ranks = new LinkedHashMap<>();
    final Map<String, Double> scores = new LinkedHashMap<>();
    double fused;
    StoredChunk chunk; // read only for the candidates that are returned or tied with them

    Fused(long key) {
      this.key = key;
    }

    double fused() {
      return fused;
    }

    int bestRank() {
      return ranks.values().stream().mapToInt(Integer::intValue).min().orElse(Integer.MAX_VALUE);
    }
  }
}
