package io.ragstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.schemas.Topics;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
    description = "Publish-to-searchable latency of one-page documents on an idle embedded stack.")
public final class FreshnessCommand implements Callable<Integer> {
  @Option(names = "--docs", defaultValue = "60", description = "measured documents (default: ${DEFAULT-VALUE})")
  int docs;

  @Option(names = "--warmup", defaultValue = "5", description = "documents not counted (default: ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--rate", defaultValue = "2", description = "documents per second (default: ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--timeout-s", defaultValue = "30", description = "give up on a document after this long")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
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
        IndexEventWatch events = new IndexEventWatch(stack);
        HttpClient http = HttpClient.newHttpClient()) {
      long period = (long) (1_000_000_000L / rate);
      long next = System.nanoTime();
      List<Long> latencies = new ArrayList<>();
      for (int i = 0; i < warmup + docs; i++) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(Duration.ofNanos(wait));
        }
        next += period;
        String token = "fresh" + Integer.toString(i, 36) + "x" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String docId = "freshness-" + i;
        long start = System.nanoTime();
        publisher.publish(docId, "default", "text/plain", docId + ".txt", page(token, i), Map.of());
        events.await(docId, start + Duration.ofSeconds(timeoutSeconds).toNanos());
        awaitSearchable(http, stack.httpPort(), token, docId, start + Duration.ofSeconds(timeoutSeconds).toNanos());
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (i >= warmup) {
          latencies.add(ms);
        }
        System.out.printf("%s %3d  %5d ms%n", i < warmup ? "warmup" : "doc   ", i, ms);
      }
      latencies.sort(null);
      long p50 = percentile(latencies, 0.50);
      long p99 = percentile(latencies, 0.99);
      System.out.printf("documents=%d rate=%.1f/s min=%d ms max=%d ms%n", latencies.size(), rate,
          latencies.getFirst(), latencies.getLast());
      System.out.printf("RESULT freshness_p50_ms=%d freshness_p99_ms=%d%n", p50, p99);
      return 0;
    }
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

  /** Follows the index-events topic and notes when each document's event arrived. */
  private static final class IndexEventWatch implements AutoCloseable {
    private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    IndexEventWatch(EmbeddedStack stack) {
      Map<String, Object> props = stack.kafkaSettings().consumer("unused", "bench-freshness-events", 500);
      props.remove(ConsumerConfig.GROUP_ID_CONFIG);
      KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
      String topic = Topics.INDEX_EVENTS.name(stack.kafkaSettings().topicPrefix());
      var partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve now: only events after this point count
      this.thread = Thread.ofPlatform().name("bench-freshness-events").start(() -> {
        try (consumer) {
          while (running.get()) {
            consumer.poll(Duration.ofMillis(5))
                .forEach(r -> seen.put(new String(r.key(), StandardCharsets.UTF_8), Boolean.TRUE));
          }
        }
      });
    }

    void await(String docId, long deadline) throws InterruptedException {
      while (!seen.containsKey(docId)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no index event for " + docId + " in time");
        }
        Thread.sleep(1);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
