package io.ragstream.indexer.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ragstream.indexer.TestChunks;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.Hit;
import io.ragstream.indexer.store.RetrievalView;
import io.ragstream.indexer.store.SearchFilter;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.indexer.store.WriteBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneGenerationsIT {
  private static final SearchFilter ACME = SearchFilter.tenant("acme");
  private static final int DIM = 8;

  @TempDir Path root;

  @Test
  void listsGenerationsAndFallsBackToTheConfiguredOneBeforeTheFirstSwap() throws Exception {
    LuceneGenerations generations = new LuceneGenerations(root);
    fill(generations, "g1", 3, "alpha");
    fill(generations, "g2", 3, "beta");
    Files.createDirectories(root.resolve("not-an-index"));

    assertThat(generations.list()).containsExactly("g1", "g2");
    assertThat(generations.current()).isEmpty();
    assertThat(generations.currentOr("g1")).isEqualTo("g1");

    generations.swap("g2");
    assertThat(generations.current()).contains("g2");
    assertThat(Files.readString(root.resolve(LuceneGenerations.POINTER)).strip()).isEqualTo("g2");
    assertThatThrownBy(() -> generations.swap("g9")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void dropRefusesTheCurrentGenerationAndOneStillOpenForWriting() throws Exception {
    LuceneGenerations generations = new LuceneGenerations(root);
    fill(generations, "g1", 2, "alpha");
    fill(generations, "g2", 2, "beta");
    generations.swap("g2");

    assertThatThrownBy(() -> generations.drop("g2")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("current");
    try (LuceneStore writer = LuceneStore.open(generations.directory("g1"), "g1")) {
      assertThatThrownBy(() -> generations.drop("g1")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("open for writing");
    }
    generations.drop("g1");
    assertThat(generations.list()).containsExactly("g2");
    assertThat(root.resolve("g1")).doesNotExist();
  }

  @Test
  void queriesNeverFailOrGoEmptyWhileTheServedGenerationIsSwapped() throws Exception {
    LuceneGenerations generations = new LuceneGenerations(root);
    fill(generations, "g1", 40, "alpha");
    fill(generations, "g2", 40, "beta");
    generations.swap("g1");

    try (GenerationSwitchingSearcher searcher = GenerationSwitchingSearcher.open(generations, "g1", Map.of(),
        Duration.ZERO)) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger queries = new AtomicInteger();
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<String> servedTexts = new ConcurrentLinkedQueue<>();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> clients = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int client = t;
        clients.add(pool.submit(() -> {
          while (running.get()) {
            try {
              List<Hit> hits = client >= 4 ? viewSearch(searcher, client)
                  : client % 2 == 0
                  ? searcher.vectorSearch(TestChunks.vector(client, DIM), 5, ACME)
                  : searcher.keywordSearch("shared words", 5, ACME);
              if (hits.isEmpty()) {
                problems.add("empty result");
              } else {
                servedTexts.add(hits.get(0).chunk().text().split(" ")[0]);
              }
              queries.incrementAndGet();
            } catch (Exception | AssertionError e) {
              problems.add(e.toString());
            }
          }
        }));
      }
      // Swap back and forth while the clients search: every swap opens, checks and replaces a searcher.
      for (int swap = 0; swap < 20; swap++) {
        generations.swap(swap % 2 == 0 ? "g2" : "g1");
        Thread.sleep(30);
      }
      running.set(false);
      for (Future<?> f : clients) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();

      assertThat(problems).isEmpty();
      assertThat(queries.get()).isGreaterThan(20);
      assertThat(servedTexts).contains("alpha", "beta"); // both generations were really served
      searcher.switchNow();
      assertThat(searcher.currentGeneration()).isEqualTo("g1");
    }
  }

  /** A hybrid search's two-phase view held across both retrievers and the stored reads, as SearchService does. */
  private static List<Hit> viewSearch(GenerationSwitchingSearcher searcher, int client) throws Exception {
    try (RetrievalView view = searcher.view()) {
      List<RetrievalView.Candidate> keyword = view.keyword("shared words", 5, ACME);
      List<RetrievalView.Candidate> vector =
          view.vector(view.modelId().orElse("any"), TestChunks.vector(client, DIM), 5, ACME);
      List<Hit> hits = new ArrayList<>();
      for (RetrievalView.Candidate c : client % 2 == 0 ? vector : keyword) {
        hits.add(new Hit(view.chunk(c.key()), c.score()));
      }
      return hits;
    }
  }

  @Test
  void anEmptyGenerationIsNeverSwappedIn() throws Exception {
    LuceneGenerations generations = new LuceneGenerations(root);
    fill(generations, "g1", 5, "alpha");
    LuceneStore.open(generations.directory("g2"), "g2").close(); // an index with no chunks
    try (GenerationSwitchingSearcher searcher = GenerationSwitchingSearcher.open(generations, "g1", Map.of(),
        Duration.ZERO)) {
      generations.swap("g2");
      assertThatThrownBy(searcher::switchNow).isInstanceOf(IllegalStateException.class).hasMessageContaining("empty");
      assertThat(searcher.currentGeneration()).isEqualTo("g1");
      assertThat(searcher.keywordSearch("alpha", 3, ACME)).isNotEmpty();
    }
  }

  @Test
  void aLiveGenerationIsSearchedThroughItsWriterAndNotClosed() throws Exception {
    LuceneGenerations generations = new LuceneGenerations(root);
    try (LuceneStore live = LuceneStore.open(generations.directory("g1"), "g1");
        GenerationSwitchingSearcher searcher = GenerationSwitchingSearcher.open(generations, "g1",
            Map.of("g1", live), Duration.ofHours(1))) {
      live.write(new WriteBatch(List.of(TestChunks.chunk("c1", "d1", "acme", "fresh words", 1, DIM)), List.of()));
      assertThat(searcher.keywordSearch("fresh", 3, ACME)).hasSize(1); // visible at once: near-real-time
      searcher.close();
      assertThat(live.chunkCount()).isEqualTo(1);
    }
  }

  private static void fill(LuceneGenerations generations, String generation, int n, String word) throws Exception {
    List<StoredChunk> chunks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      chunks.add(TestChunks.chunk(generation + "-c" + i, "doc-" + (i % 5), "acme",
          word + " shared words number " + i, i, DIM));
    }
    try (LuceneStore store = LuceneStore.open(generations.directory(generation), generation)) {
      store.write(new WriteBatch(chunks, List.of()));
    }
  }
}
