package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchMode;
import io.ragstream.query.SearchRequest;
import io.ragstream.query.SearchService;
import io.ragstream.query.cache.CaffeineQueryCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream bench query}: query latency over a synthetic corpus written straight into a Lucene store (no
 * pipeline). Chunk texts are drawn from a Zipf-distributed synthetic vocabulary, so BM25 sees realistic posting-list
 * lengths. Embedding 100k chunks with MiniLM would take most of an hour on 2 cores, so only {@code --distinct} texts
 * are embedded by the real model and each chunk takes one of their vectors plus small Gaussian noise (renormalised):
 * the HNSW graph then holds 100k distinct points clustered like real topics. Queries are embedded by the real model
 * at query time, inside the measured interval. The corpus is written in batches of the live indexer's size (its
 * {@code indexer.max-poll-records}, 1,000), one commit each, and hybrid is measured on that index as written (the
 * RESULT headline: what a live generation serves) and again after a force-merge to one segment, as a replayed
 * generation is before its swap (the table only). With {@code --dataset} (BEIR, e.g. SciFact) the real queries of
 * the dataset are timed too, over the index the pipeline itself wrote for {@code eval} (reused when eval built it).
 * A kept {@code --data-dir} is reused when it already holds the corpus.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Hybrid query latency (p50/p99, query embedding included) and cached p50 over a synthetic corpus as"
        + " written (and, with --dataset, the dataset's real queries over the index the pipeline wrote); last line"
        + " RESULT hybrid_p50_ms=<x> hybrid_p99_ms=<y> cached_p50_ms=<z> [dataset_hybrid_p50_ms=.. dataset_hybrid_p99_ms=..].")
final class BenchQueryCommand implements Callable<Integer> {
  @Option(names = "--chunks", defaultValue = "100000", description = "chunks in the corpus (default: ${DEFAULT-VALUE})")
  int chunks;

  @Option(names = "--distinct", defaultValue = "1000",
      description = "texts embedded by the real model, whose vectors the chunks reuse (default: ${DEFAULT-VALUE})")
  int distinct;

  @Option(names = "--queries", defaultValue = "500", description = "measured queries (default: ${DEFAULT-VALUE})")
  int queries;

  @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "embedding model")
  String model;

  @Option(names = "--query-threads", defaultValue = "1",
      description = "ONNX intra-op threads for the query embedding (default: ${DEFAULT-VALUE}, as the query service)")
  int queryThreads;

  @Option(names = "--data-dir", description = "where the index is written (default: a temporary directory)")
  Path dataDir;

  @Option(names = "--dataset", paramLabel = "DIR",
      description = "a BEIR dataset whose queries (queries.jsonl) are timed over its corpus as the pipeline indexes it")
  Path dataset;

  @Option(names = "--dataset-data-dir", paramLabel = "DIR",
      description = "state directory of the dataset's index (default: data/eval/<dataset name>, eval's, so an index"
          + " `ragstream eval` built is reused)")
  Path datasetDataDir;

  /** The live indexer's batch: {@code indexer.max-poll-records}' default, one commit per batch. */
  private static final int INDEXER_BATCH = 1000;

  private static final int WARM_UP = 300;
  private static final int WORDS_PER_CHUNK = 60;
  private static final int BASE_WORDS = 16;
  private static final int VOCABULARY = 20_000;
  private static final String[] SYLLABLES = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da", "go", "zu",
      "ba", "fi", "ho", "je", "ly", "mo", "qu", "wi"};

  @Override
  public Integer call() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    String[] words = vocabulary();
    double[] zipf = zipfCdf(words.length);
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("ragstream-bench-query");
    try (OnnxEmbeddingModel embedder = EmbeddingModels.load(model); // batch settings to embed the corpus
        OnnxEmbeddingModel queryModel = EmbeddingModels.load(model,
            OnnxOptions.forQueries().withIntraOpThreads(queryThreads));
        LuceneStore store = LuceneStore.open(dir.resolve("index"), "bench")) {
      if (store.chunkCount() == chunks) {
        // a kept --data-dir: the corpus is deterministic (seeded), so it is not written twice
        System.out.printf("reusing the %d chunks in %s%n", chunks, dir);
      } else {
        long t0 = System.nanoTime();
        List<String> bases = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
          bases.add(text(random, words, zipf, BASE_WORDS)); // short: only its vector is used
        }
        float[][] baseVectors = new float[distinct][];
        for (int i = 0; i < distinct; i += 64) {
          float[][] batch = embedder.embedAll(bases.subList(i, Math.min(distinct, i + 64)));
          System.arraycopy(batch, 0, baseVectors, i, batch.length);
          if (i % 256 == 0) {
            System.out.printf("embedding: %d of %d%n", i, distinct);
          }
        }
        System.out.printf("embedded %d distinct texts in %.1f s%n", distinct, seconds(t0));
        long t1 = System.nanoTime();
        List<StoredChunk> batch = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
          String docId = "doc-" + (i / 10);
          batch.add(new StoredChunk("c" + i, docId, SearchRequest.DEFAULT_TENANT, 1L, i % 10, "Title " + docId,
              List.of("Section " + (i % 10)), text(random, words, zipf, WORDS_PER_CHUNK), docId + ".txt", Map.of(),
              embedder.id(), noisy(baseVectors[i % distinct], random), System.currentTimeMillis()));
          if (batch.size() == INDEXER_BATCH || i == chunks - 1) {
            store.write(new WriteBatch(batch, List.of()));
            batch = new ArrayList<>();
            if ((i + 1) % 10_000 == 0 || i == chunks - 1) {
              System.out.printf("indexed %d chunks, %.0f s%n", i + 1, seconds(t1));
            }
          }
        }
        System.out.printf("indexed %d chunks in %.1f s (%s)%n", chunks, seconds(t1), dir);
      }
      random = new SplittableRandom(7); // queries of their own stream: the same whether the corpus was reused or not
      List<String> qs = new ArrayList<>();
      for (int i = 0; i < queries; i++) {
        qs.add(text(random, words, zipf, 2 + random.nextInt(3)));
      }
      SearchConfig config = SearchConfig.defaults();
      List<Row> rows = new ArrayList<>();
      double[] hybrid;
      double[] cached;
      try (SearchService plain = SearchService.builder(store, queryModel).config(config).build();
          SearchService withCache = SearchService.builder(store, queryModel).config(config)
              .cache(new CaffeineQueryCache(100_000, Duration.ofHours(1)), () -> "bench").build()) {
        for (int i = 0; i < WARM_UP; i++) { // JIT, ONNX Runtime session, Lucene caches, the page cache
          plain.search(request(text(random, words, zipf, 3), SearchMode.HYBRID));
        }
        long settle = System.nanoTime();
        store.awaitMerges(); // background merges of the fresh segments would compete with the searches for cores
        int written = store.segmentCount();
        System.out.printf("background merges settled in %.1f s: %d segments%n", seconds(settle), written);
        hybrid = time(plain, qs, SearchMode.HYBRID);
        rows.add(new Row("hybrid, as written (" + written + " segments)", hybrid));
        long merge = System.nanoTime();
        store.forceMerge(1); // as a replayed generation is before its swap, see LuceneStore#forceMerge
        System.out.printf("force-merged %d segments into %d in %.1f s%n", written, store.segmentCount(),
            seconds(merge));
        for (int i = 0; i < WARM_UP; i++) { // the merged segment's files are new to the page cache
          plain.search(request(text(random, words, zipf, 3), SearchMode.HYBRID));
        }
        rows.add(new Row("hybrid, force-merged (replayed generation)", time(plain, qs, SearchMode.HYBRID)));
        // where the time of one hybrid search goes: its two retrievers run in parallel, the vector side
        // includes the query embedding
        rows.add(new Row("  query embedding only", timeEach(qs, queryModel::embedQuery)));
        rows.add(new Row("  keyword only", time(plain, qs, SearchMode.KEYWORD)));
        rows.add(new Row("  vector only (embedding)", time(plain, qs, SearchMode.VECTOR)));
        time(withCache, qs, SearchMode.HYBRID); // fills the cache
        cached = time(withCache, qs, SearchMode.HYBRID);
        rows.add(new Row("hybrid, cached", cached));
      }
      double[] datasetHybrid = dataset == null ? null : datasetQueries(rows);
      System.out.printf("%-44s %8s %8s %8s%n", "top-10 search", "p50 ms", "p99 ms", "mean ms");
      for (Row row : rows) {
        System.out.printf("%-44s %8.3f %8.3f %8.3f%n", row.label(), pct(row.ms(), 50), pct(row.ms(), 99),
            Arrays.stream(row.ms()).average().orElse(0));
      }
      System.out.printf("date %s, %d cores, JDK %s, %d chunks, %d queries, %d query-embedding thread(s)%n",
          LocalDate.now(), Runtime.getRuntime().availableProcessors(), Runtime.version(), chunks, qs.size(),
          queryThreads);
      System.out.printf("RESULT hybrid_p50_ms=%.2f hybrid_p99_ms=%.2f cached_p50_ms=%.3f%s%n", pct(hybrid, 50),
          pct(hybrid, 99), pct(cached, 50), datasetHybrid == null ? "" : String.format(
              " dataset_hybrid_p50_ms=%.2f dataset_hybrid_p99_ms=%.2f", pct(datasetHybrid, 50),
              pct(datasetHybrid, 99)));
    } finally {
      if (dataDir == null) { // a temporary index of ~0.5 GB is not worth keeping
        try (var paths = Files.walk(dir)) {
          for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
    return 0;
  }

  private record Row(String label, double[] ms) {}

  /**
   * The dataset's own queries (all of queries.jsonl, e.g. SciFact's 1,409 claims: longer than the synthetic 2-4
   * words) over the index the pipeline wrote, with the query service's defaults; adds the rows, returns hybrid's.
   */
  private double[] datasetQueries(List<Row> rows) throws Exception {
    io.ragstream.query.eval.BeirDataset data = io.ragstream.query.eval.BeirDataset.open(dataset);
    Path dir = datasetDataDir != null ? datasetDataDir : Path.of("data", "eval", dataset.toAbsolutePath()
        .normalize().getFileName().toString());
    Path index = new CorpusIngest(data, dir, model, SearchRequest.DEFAULT_TENANT, System.out).ensureIndexed();
    List<String> claims = List.copyOf(data.queries().values());
    String name = dataset.toAbsolutePath().normalize().getFileName().toString();
    try (io.ragstream.indexer.lucene.LuceneReadOnlySearcher searcher = LuceneStore.openReadOnly(index);
        OnnxEmbeddingModel queryModel = EmbeddingModels.load(model,
            OnnxOptions.forQueries().withIntraOpThreads(queryThreads));
        SearchService service = SearchService.builder(searcher, queryModel).config(SearchConfig.defaults()).build()) {
      System.out.printf("%s: %d queries over %d chunks written by the pipeline%n", name, claims.size(),
          searcher.chunkCount());
      for (int i = 0; i < Math.min(WARM_UP, claims.size()); i++) {
        service.search(request(claims.get(i), SearchMode.HYBRID));
      }
      double[] hybrid = time(service, claims, SearchMode.HYBRID);
      rows.add(new Row(name + " queries, hybrid (pipeline's index)", hybrid));
      rows.add(new Row("  " + name + " keyword only", time(service, claims, SearchMode.KEYWORD)));
      rows.add(new Row("  " + name + " vector only (embedding)", time(service, claims, SearchMode.VECTOR)));
      return hybrid;
    }
  }

  private static SearchRequest request(String q, SearchMode mode) {
    return new SearchRequest(q, 10, mode, null, Map.of());
  }

  private static double[] time(SearchService service, List<String> qs, SearchMode mode) throws Exception {
    return timeEach(qs, q -> service.search(request(q, mode)));
  }

  private static double[] timeEach(List<String> qs, Measured measured) throws Exception {
    double[] ms = new double[qs.size()];
    for (int i = 0; i < qs.size(); i++) {
      long start = System.nanoTime();
      measured.run(qs.get(i));
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    return ms;
  }

  @FunctionalInterface
  private interface Measured {
    Object run(String query) throws Exception;
  }

  private static double pct(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)]; // nearest rank
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static String[] vocabulary() {
    String[] words = new String[VOCABULARY];
    for (int i = 0; i < VOCABULARY; i++) {
      StringBuilder w = new StringBuilder();
      for (int n = i, parts = 0; parts < 2 || n > 0; parts++, n /= SYLLABLES.length) {
        w.append(SYLLABLES[n % SYLLABLES.length]);
      }
      words[i] = w.toString();
    }
    return words;
  }

  /** Cumulative Zipf (s = 1) weights: word frequencies in text fall off like this. */
  private static double[] zipfCdf(int n) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1.0 / (i + 1);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  private static String text(SplittableRandom random, String[] words, double[] cdf, int count) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < count; i++) {
      int idx = Arrays.binarySearch(cdf, random.nextDouble());
      b.append(i == 0 ? "" : " ").append(words[Math.min(words.length - 1, idx < 0 ? -idx - 1 : idx)]);
    }
    return b.toString();
  }

  private static float[] noisy(float[] base, SplittableRandom random) {
    float[] v = new float[base.length];
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      // per-dimension sigma 0.02 moves a unit vector by about 0.4 (cosine ~0.92 to its base)
      v[i] = (float) (base[i] + 0.02 * gaussian(random));
      norm += v[i] * v[i];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < v.length; i++) {
      v[i] *= inv;
    }
    return v;
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
  }
}
