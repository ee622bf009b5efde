package io.ragstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.query.eval.BeirDataset;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream bench freshness}: publish → searchable latency on an idle embedded stack. One-page documents are
 * published one at a time at a steady rate; each one's latency runs from just before the publish to the first
 * keyword search over HTTP that returns it. The index event tells when to start asking (so the benchmark does not
 * load the query path while waiting), and the search confirms what a user would see. Warm-up documents (model,
 * Tika and JIT warm-up) are not counted. The last line is {@code RESULT freshness_p50_ms=<x> freshness_p99_ms=<y>}.
 */
@Command(name = "freshness", mixinStandardHelpOptions = true,
    description = "Publish-to-searchable latency of one-page documents on an embedded stack, idle or (with"
        + " --background-dataset) while a corpus streams in behind them at --background-rate docs/s.")
public final class FreshnessCommand implements Callable<Integer> {
  @Option(names = "--docs", defaultValue = "60", description = "measured documents (default: ${DEFAULT-VALUE})")
  int docs;

  @Option(names = "--warmup", defaultValue = "5", description = "documents not counted (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--rate", defaultValue = "2", description = "documents per second (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--timeout-s", defaultValue = "30", description = "give up on a document after this long")
  int timeoutSeconds;

  @Option(names = "--background-dataset", paramLabel = "DIR",
      description = "a BEIR corpus (DIR/corpus.jsonl) published behind the measured documents, as `eval` publishes it")
  Path backgroundDataset;

  @Option(names = "--background-rate", defaultValue = "10",
      description = "background documents per second (default: ${DEFAULT-VALUE}); the corpus restarts under new ids"
          + " if it runs out before the measured documents")
  double backgroundRate;

  @Option(names = "--lane", defaultValue = "live",
      description = "the measured documents' lane: live (as an HTTP upload) or bulk (as `publish`);"
          + " default: ${DEFAULT-VALUE}")
  String lane;

  private boolean live;

  @Override
  public Integer call() throws Exception {
    if (!lane.equals("live") && !lane.equals("bulk")) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--lane must be live or bulk, got " + lane);
    }
    live = lane.equals("live");
    Path dataDir = Files.createTempDirectory("ragstream-freshness");
    try {
      return measure(dataDir);
    } finally {
      try (var paths = Files.walk(dataDir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private int measure(Path dataDir) throws Exception {
    try (EmbeddedStack stack = EmbeddedStack.start(StackConfig.defaults(dataDir).withEphemeralPorts(),
            Metrics.registry());
        DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "bench-freshness");
        IndexEventWatch events = new IndexEventWatch(stack, "bench-freshness-events");
        StageWatch stages = new StageWatch(stack.kafkaSettings(), "bench-freshness-stages");
        HttpClient http = HttpClient.newHttpClient();
        // null without a background corpus (try-with-resources skips it)
        Background background = backgroundDataset == null ? null
            : new Background(BenchIngestCommand.corpus(backgroundDataset, Integer.MAX_VALUE), stack,
                backgroundRate)) {
      long period = (long) (1_000_000_000L / rate);
      long next = System.nanoTime();
      List<Long> latencies = new ArrayList<>();
      // per measured document, the time each stage added: extract, chunker, embedder, indexer (to its index event),
      // search (event to the first search that returns it); -1 where a stage's output was not seen
      List<long[]> breakdowns = new ArrayList<>();
      int timedOut = 0;
      for (int i = 0; i < warmup + docs; i++) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(Duration.ofNanos(wait));
        }
        next += period;
        String token = "fresh" + Integer.toString(i, 36) + "x" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String docId = "freshness-" + i;
        long start = System.nanoTime();
        // as an HTTP upload publishes it: in the live lane (the background corpus is bulk, like `publish`)
        publisher.publish(docId, "default", "text/plain", docId + ".txt", page(token, i), Map.of(), List.of(), live);
        long ms;
        try {
          events.await(docId, start + Duration.ofSeconds(timeoutSeconds).toNanos());
          awaitSearchable(http, stack.httpPort(), token, docId, start + Duration.ofSeconds(timeoutSeconds).toNanos());
          ms = (System.nanoTime() - start) / 1_000_000;
        } catch (IllegalStateException e) {
          if (background == null) {
            throw e; // idle, a missing document is a fault, not a latency
          }
          // behind a background corpus a timeout is the pipeline falling behind: counted at the timeout (a lower
          // bound), so the percentiles show it instead of the run ending without figures
          ms = Duration.ofSeconds(timeoutSeconds).toMillis();
          timedOut++;
        }
        long[] split = breakdown(stages, events, docId, start, ms);
        if (i >= warmup) {
          latencies.add(ms);
          breakdowns.add(split);
        }
        System.out.printf("%s %3d  %5d ms  (extract %d, chunker %d, embedder %d, indexer %d, search %d)%n",
            i < warmup ? "warmup" : "doc   ", i, ms, split[0], split[1], split[2], split[3], split[4]);
      }
      if (background != null) {
        background.close();
        System.out.printf("background: %d documents published at %.1f/s target (%.1f/s achieved), %d of them"
            + " indexed by the end%n", background.published.get(), backgroundRate, background.achievedRate(),
            background.indexedBy(events));
      }
      latencies.sort(null);
      long p50 = percentile(latencies, 0.50);
      long p99 = percentile(latencies, 0.99);
      System.out.printf("documents=%d rate=%.1f/s background=%s min=%d ms max=%d ms%n", latencies.size(), rate,
          background == null ? "none" : backgroundRate + " docs/s of " + backgroundDataset, latencies.getFirst(),
          latencies.getLast());
      System.out.printf("embedder: %.0f records served in the live lane%n", Metrics.registry()
          .counter("ragstream.stage.records.live", "stage", "embedder").count());
      System.out.printf("median per stage (ms): extract %d, chunker %d, embedder %d, indexer %d, search %d%n",
          stageMedian(breakdowns, 0), stageMedian(breakdowns, 1), stageMedian(breakdowns, 2),
          stageMedian(breakdowns, 3), stageMedian(breakdowns, 4));
      if (timedOut > 0) {
        System.out.printf("%d documents not searchable within %d s, counted at %d ms (percentiles are lower bounds)%n",
            timedOut, timeoutSeconds, timeoutSeconds * 1000L);
      }
      System.out.printf("RESULT freshness_p50_ms=%d freshness_p99_ms=%d%n", p50, p99);
      return 0;
    }
  }

  /**
   * The milliseconds each stage added to one document: from the publish to its committed record on documents
   * (extract), chunks (chunker), embeddings (embedder), to its index event (indexer), then to searchable.
   */
  private static long[] breakdown(StageWatch stages, IndexEventWatch events, String docId, long start, long totalMs)
      throws InterruptedException {
    Thread.sleep(20); // the watch threads poll every few ms: let them note what arrived with the event
    long[] at = new long[StageWatch.STAGES.size() + 1];
    for (int s = 0; s < StageWatch.STAGES.size(); s++) {
      at[s] = stages.seen(StageWatch.STAGES.get(s), docId);
    }
    at[at.length - 1] = events.seenAt(docId);
    long[] split = new long[at.length + 1];
    long previous = start;
    for (int s = 0; s < at.length; s++) {
      split[s] = at[s] < 0 ? -1 : Math.max(0, (at[s] - previous) / 1_000_000);
      previous = at[s] < 0 ? previous : at[s];
    }
    split[at.length] = Math.max(0, totalMs - (previous - start) / 1_000_000);
    return split;
  }

  private static long stageMedian(List<long[]> breakdowns, int stage) {
    List<Long> values = breakdowns.stream().map(b -> b[stage]).filter(v -> v >= 0).sorted().toList();
    return values.isEmpty() ? -1 : percentile(values, 0.50);
  }

  /** Nearest-rank percentile. */
  static long percentile(List<Long> sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private static byte[] page(String token, int i) {
    return ("Freshness probe " + i + ". The unique word " + token + " appears only in this document. "
        + "It is a one-page note about river barges, canal locks and the towpaths beside them. ".repeat(6))
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void awaitSearchable(HttpClient http, int port, String token, String docId, long deadline)
      throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/v1/search?mode=keyword&k=1&q=" + token);
    while (true) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode results = HttpJson.mapper().readTree(r.body()).path("results");
      if (results.size() > 0 && docId.equals(results.get(0).path("docId").asText())) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(docId + " not searchable in time");
      }
      Thread.sleep(2);
    }
  }

  /**
   * Publishes a corpus at a steady rate on its own thread and producer, as {@code eval} does (markdown, the title as
   * heading), so the measured documents queue behind real chunking and embedding work.
   */
  private static final class Background implements AutoCloseable {
    final AtomicInteger published = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long started = System.nanoTime();
    private volatile long stopped;
    private final Thread thread;

    Background(List<BeirDataset.CorpusDoc> docs, EmbeddedStack stack, double rate) {
      long period = (long) (1_000_000_000L / rate);
      DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "bench-freshness-background");
      thread = Thread.ofPlatform().name("bench-freshness-background").daemon().start(() -> {
        try (publisher) {
          long next = System.nanoTime();
          for (int i = 0; running.get(); i++) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
              Thread.sleep(Duration.ofNanos(wait));
            }
            next += period;
            BeirDataset.CorpusDoc doc = docs.get(i % docs.size());
            String id = "background-" + (i / docs.size()) + "-" + doc.id();
            publisher.publish(id, "default", "text/markdown", id + ".md",
                CorpusIngest.markdown(doc).getBytes(StandardCharsets.UTF_8), Map.of());
            ids.add(id);
            published.incrementAndGet();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Throwable e) {
          failure.set(e);
        }
      });
    }

    double achievedRate() {
      return published.get() / ((stopped - started) / 1e9);
    }

    long indexedBy(IndexEventWatch events) {
      return ids.stream().filter(events::seen).count();
    }

    @Override
    public void close() throws InterruptedException {
      if (!running.getAndSet(false)) {
        return; // closed already, before the summary
      }
      thread.join();
      stopped = System.nanoTime();
      if (failure.get() != null) {
        throw new IllegalStateException("the background publisher failed: " + failure.get(), failure.get());
      }
    }
  }
}
