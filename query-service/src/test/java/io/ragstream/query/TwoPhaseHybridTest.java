package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.RetrievalView.Candidate;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Hybrid search in two phases (candidates as keys and scores, stored chunks read for the fused top k only) returns
 * exactly what fusing the two fully loaded hit lists returns: same chunks, scores, per-retriever ranks and scores,
 * order and stored fields, over random rankings full of ties, with RRF and weighted fusion; the request's filter
 * (tenant, metadata, principals) reaches both retrievers; and only the returned candidates, those tied with them
 * and the keyword side's top k (read while the query is being embedded) are read.
 */
class TwoPhaseHybridTest {
  private static final int CORPUS = 300;

  /** A store whose view keys are positions in a list, unrelated to chunk ids, and which counts stored reads. */
  private static final class TwoPhaseSearcher implements ChunkSearcher {
    final List<StoredChunk> chunks = new ArrayList<>();
    final Map<String, Integer> positions = new LinkedHashMap<>();
    List<Hit> keywordRanking = List.of();
    List<Hit> vectorRanking = List.of();
    final Set<Long> read = ConcurrentHashMap.newKeySet();
    /** When set, the vector side returns only once these keys are read (or after a few seconds). */
    volatile Set<Long> vectorWaitsFor;
    /** The keys read before the vector side returned. */
    volatile Set<Long> readBeforeVector;
    final List<SearchFilter> filters = new CopyOnWriteArrayList<>();

    TwoPhaseSearcher(List<StoredChunk> corpus) {
      // stored in reverse, so positions and chunk ids sort differently
      for (int i = corpus.size() - 1; i >= 0; i--) {
        positions.put(corpus.get(i).chunkId(), chunks.size());
        chunks.add(corpus.get(i));
      }
    }

    @Override
    public List<Hit> keywordSearch(String query, int k, SearchFilter filter) {
      return keywordRanking.stream().limit(k).toList();
    }

    @Override
    public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) {
      return vectorRanking.stream().limit(k).toList();
    }

    @Override
    public RetrievalView view() {
      return new RetrievalView() {
        @Override
        public Optional<String> modelId() {
          return Optional.empty();
        }

        @Override
        public List<Candidate> keyword(String query, int k, SearchFilter filter) {
          filters.add(filter);
          return candidates(keywordSearch(query, k, filter));
        }

        @Override
        public List<Candidate> vector(String modelId, float[] vector, int k, SearchFilter filter) {
          filters.add(filter);
          Set<Long> awaited = vectorWaitsFor;
          long deadline = System.nanoTime() + 5_000_000_000L;
          while (awaited != null && !read.containsAll(awaited) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
          readBeforeVector = Set.copyOf(read);
          return candidates(vectorSearch(vector, k, filter));
        }

        @Override
        public StoredChunk chunk(long key) {
          read.add(key);
          return chunks.get((int) key);
        }

        @Override
        public void close() {}
      };
    }

    private List<Candidate> candidates(List<Hit> hits) {
      return hits.stream().map(h -> new Candidate(positions.get(h.chunk().chunkId()), h.score()))
          .toList();
    }

    @Override
    public List<StoredChunk> chunksOfDocument(String docId, String tenant) {
      return List.of();
    }

    @Override
    public long chunkCount() {
      return chunks.size();
    }
  }

  /** The same rankings through the default (loading) view: the one-phase path. */
  private static final class OnePhase implements ChunkSearcher {
    final TwoPhaseSearcher d;

    OnePhase(TwoPhaseSearcher d) {
      this.d = d;
    }

    @Override
    public List<Hit> keywordSearch(String query, int k, SearchFilter filter) {
      return d.keywordSearch(query, k, filter);
    }

    @Override
    public List<Hit> vectorSearch(float[] vector, int k, SearchFilter filter) {
      return d.vectorSearch(vector, k, filter);
    }

    @Override
    public List<StoredChunk> chunksOfDocument(String docId, String tenant) {
      return List.of();
    }

    @Override
    public long chunkCount() {
      return d.chunkCount();
    }
  }

  @Test
  void randomRankingsFuseExactlyAsTheLoadedHitsDoWithRrfAndWeightedFusion() throws IOException {
    List<StoredChunk> corpus = new ArrayList<>();
    for (int i = 0; i < CORPUS; i++) {
      corpus.add(chunk(String.format("c%03d", (i * 37) % CORPUS), "doc" + i / 3));
    }
    Random random = new Random(42);
    int compared = 0;
    for (SearchConfig config : List.of(new SearchConfig(60, 50, 100), SearchConfig.defaults(),
        new SearchConfig(10, 20, 100))) {
      TwoPhaseSearcher two = new TwoPhaseSearcher(corpus);
      try (SearchService twoPhase = service(two, config); SearchService onePhase = service(new OnePhase(two), config)) {
        for (int round = 0; round < 60; round++) {
          two.keywordRanking = ranking(corpus, random, true);
          two.vectorRanking = ranking(corpus, random, false);
          int k = 1 + random.nextInt(40);
          two.read.clear();

          List<SearchResult> got = twoPhase.search(request(k)).results();
          List<SearchResult> want = onePhase.search(request(k)).results();

          assertThat(got).as("config %s round %d k %d", config, round, k).isEqualTo(want);
          assertThat(got).isEqualTo(reference(two.keywordRanking, two.vectorRanking, config, k));
          // stored chunks read: the returned ones, and only candidates tied with a returned one besides, apart from
          // the keyword side's top k, which may be read while the query is embedded (how many depends on timing)
          Set<Long> returned = new HashSet<>();
          got.forEach(r -> returned.add((long) two.positions.get(r.chunkId())));
          assertThat(two.read).containsAll(returned);
          Set<Long> byFusion = new HashSet<>(two.read);
          two.keywordRanking.stream().limit(k).map(h -> (long) two.positions.get(h.chunk().chunkId()))
              .filter(key -> !returned.contains(key)).forEach(byFusion::remove);
          int candidates = distinct(two.keywordRanking, two.vectorRanking, config.candidatesPerRetriever());
          if (candidates > k + 4) {
            assertThat(byFusion.size()).as("stored reads for k=%d of %d candidates", k, candidates)
                .isLessThan(candidates);
          }
          compared++;
        }
      }
    }
    assertThat(compared).isEqualTo(180);
  }

  @Test
  void theKeywordSidesTopChunksAreReadWhileTheQueryIsEmbeddedAndTheResultsDoNotChange() throws IOException {
    List<StoredChunk> corpus = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      corpus.add(chunk(String.format("c%02d", i), "doc" + i));
    }
    TwoPhaseSearcher two = new TwoPhaseSearcher(corpus);
    List<Hit> keyword = new ArrayList<>();
    List<Hit> vector = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      keyword.add(new Hit(corpus.get(i), 10f - i));
      vector.add(new Hit(corpus.get(19 - i), 1f - i * 0.05f));
    }
    two.keywordRanking = keyword;
    two.vectorRanking = vector;
    int k = 4;
    Set<Long> keywordTop = new HashSet<>();
    keyword.stream().limit(k).forEach(h -> keywordTop.add((long) two.positions.get(h.chunk().chunkId())));
    // a slow embedding: the vector side returns only once the keyword side's top k are read (at most 5 s)
    two.vectorWaitsFor = keywordTop;
    SearchConfig config = SearchConfig.defaults();
    try (SearchService service = service(two, config)) {
      List<SearchResult> got = service.search(request(k)).results();

      assertThat(two.readBeforeVector).containsExactlyInAnyOrderElementsOf(keywordTop);
      assertThat(got).isEqualTo(reference(keyword, vector, config, k));
    }
  }

  @Test
  void theRequestsFilterReachesBothRetrieversOfTheView() throws IOException {
    List<StoredChunk> corpus = List.of(chunk("a", "d1"), chunk("b", "d1"), chunk("c", "d2"));
    TwoPhaseSearcher two = new TwoPhaseSearcher(corpus);
    two.keywordRanking = List.of(new Hit(corpus.get(0), 2f), new Hit(corpus.get(1), 1f));
    two.vectorRanking = List.of(new Hit(corpus.get(2), 0.9f), new Hit(corpus.get(0), 0.5f));
    try (SearchService service = service(two, new SearchConfig(60, 50, 100))) {
      SearchRequest request = new SearchRequest("q", 10, SearchMode.HYBRID, "acme", Map.of("lang", "en"))
          .withPrincipals(List.of("group:eng"));

      List<SearchResult> results = service.search(request).results();

      assertThat(results).extracting(SearchResult::chunkId).containsExactly("a", "c", "b");
      assertThat(results.getFirst().text()).isEqualTo("text of a");
      assertThat(results.getFirst().ranks()).containsEntry(SearchService.KEYWORD, 1)
          .containsEntry(SearchService.VECTOR, 2);
      SearchFilter expected = new SearchFilter("acme", Map.of("lang", "en"), null, Set.of("group:eng"));
      assertThat(two.filters).hasSize(2).containsOnly(expected);
    }
  }

  private static SearchService service(ChunkSearcher searcher, SearchConfig config) {
    return new SearchService(searcher, new FakeEmbeddingModel(), config, new SimpleMeterRegistry());
  }

  private static SearchRequest request(int k) {
    return new SearchRequest("query", k, SearchMode.HYBRID, null, null);
  }

  /** Up to 60 distinct chunks; keyword scores with runs of equal values, vector scores in [0, 1]. */
  private static List<Hit> ranking(List<StoredChunk> corpus, Random random, boolean keyword) {
    List<StoredChunk> shuffled = new ArrayList<>(corpus.subList(0, 120));
    java.util.Collections.shuffle(shuffled, random);
    int n = random.nextInt(61);
    List<Hit> hits = new ArrayList<>();
    float score = keyword ? 20f : 1f;
    for (int i = 0; i < n; i++) {
      if (random.nextInt(3) > 0) {
        score -= keyword ? random.nextInt(3) * 0.5f : random.nextInt(3) * 0.01f; // often equal to the previous one
      }
      hits.add(new Hit(shuffled.get(i), score));
    }
    return hits;
  }

  private static int distinct(List<Hit> keyword, List<Hit> vector, int n) {
    Set<String> ids = new HashSet<>();
    keyword.stream().limit(n).forEach(h -> ids.add(h.chunk().chunkId()));
    vector.stream().limit(n).forEach(h -> ids.add(h.chunk().chunkId()));
    return ids.size();
  }

  /** Fusion written out independently: fused score, then best rank, then chunk id. */
  private static List<SearchResult> reference(List<Hit> keyword, List<Hit> vector, SearchConfig config, int k) {
    int n = Math.max(k, config.candidatesPerRetriever());
    Map<String, StoredChunk> chunk = new LinkedHashMap<>();
    Map<String, Double> fused = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> ranks = new LinkedHashMap<>();
    Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
    for (String side : List.of(SearchService.KEYWORD, SearchService.VECTOR)) {
      List<Hit> hits = (side.equals(SearchService.KEYWORD) ? keyword : vector).stream().limit(n).toList();
      double weight = side.equals(SearchService.KEYWORD) ? 1 - config.vectorWeight() : config.vectorWeight();
      double max = hits.stream().mapToDouble(Hit::score).max().orElse(0);
      double min = hits.stream().mapToDouble(Hit::score).min().orElse(0);
      for (int i = 0; i < hits.size(); i++) {
        Hit h = hits.get(i);
        String id = h.chunk().chunkId();
        chunk.putIfAbsent(id, h.chunk());
        ranks.computeIfAbsent(id, x -> new LinkedHashMap<>()).put(side, i + 1);
        scores.computeIfAbsent(id, x -> new LinkedHashMap<>())
            .put(side, Double.parseDouble(Float.toString(h.score())));
        double add = config.fusion() == Fusion.RRF ? 1.0 / (config.rrfK() + i + 1)
            : weight * (max > min ? (h.score() - (float) min) / ((float) max - (float) min) : 1.0);
        fused.merge(id, add, Double::sum);
      }
    }
    return fused.keySet().stream()
        .sorted(Comparator.comparingDouble((String id) -> fused.get(id)).reversed()
            .thenComparingInt(id -> ranks.get(id).values().stream().mapToInt(Integer::intValue).min().orElseThrow())
            .thenComparing(id -> id))
        .limit(k)
        .map(id -> HybridFusion.result(chunk.get(id), fused.get(id), ranks.get(id), scores.get(id)))
        .toList();
  }
}
