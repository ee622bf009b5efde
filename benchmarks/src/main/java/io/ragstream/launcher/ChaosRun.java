package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.chunker.ChunkerStage;
import io.ragstream.chunker.ChunkerStageConfig;
import io.ragstream.embedder.EmbedderConfig;
import io.ragstream.embedder.EmbedderStage;
import io.ragstream.embedder.EmbedderStageConfig;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.IndexerConfig;
import io.ragstream.indexer.IndexerStage;
import io.ragstream.ingest.ExtractConfig;
import io.ragstream.ingest.ExtractStage;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.chunker.ChunkerConfig;
import io.ragstream.chunker.DocumentChunker;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.StoredChunk;
import io.ragstream.ingest.extract.Extraction;
import io.ragstream.ingest.extract.ExtractionException;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.lag.ConsumerLagReader;
import io.ragstream.runtime.lag.LagSnapshot;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.ExtractedDocument;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The chaos experiment behind {@code ragstream bench chaos} and {@code ChaosIT}: every stage runs as its own
 * restartable unit on a real in-JVM broker while generated documents (with updates and deletes) are published; a
 * fault thread kills and restarts each stage several times and the broker once. When the pipeline has drained, the
 * index is compared chunk id by chunk id with what {@link DocumentChunker} (a pure function) makes of each
 * document's final content: nothing lost, nothing duplicated, no stale chunk of an updated document, no chunk of a
 * deleted one.
 */
final class ChaosRun {
  private static final String TENANT_PREFIX = "tenant-";
  private static final String[] WORDS = ("harbor glacier violin orchard falcon copper meadow lantern quartz "
      + "saddle thunder walnut canyon ember ferry granite hollow ivory jasmine kettle lagoon marble nectar oyster "
      + "pepper quiver raven summit timber umber velvet willow yarrow zephyr anchor basalt cinder dune").split(" ");

  /**
   * What to run.
   *
   * @param docs documents to publish
   * @param killsPerStage how often each stage (extract, chunker, embedder, indexer) is killed and restarted
   * @param restartBroker whether the broker is stopped and restarted once, on the same data directory
   * @param timeout how long to wait for the index to converge once the faults are over
   */
  record Settings(int docs, int killsPerStage, boolean restartBroker, long seed, Duration timeout) {
    Settings {
      if (docs < 10) {
        throw new IllegalArgumentException("--docs must be at least 10, got " + docs);
      }
      if (killsPerStage < 0) {
        throw new IllegalArgumentException("kills per stage must not be negative, got " + killsPerStage);
      }
    }
  }

  /** The outcome, by chunk id. */
  record Report(int documents, int updates, int deletes, int stageKills, int brokerRestarts, int crashesRevived,
      int expectedChunks, long indexedChunks, int lost, int duplicated, int stale, int ofDeleted, int unexpected,
      Duration elapsed) {

    boolean clean() {
      return lost == 0 && duplicated == 0 && stale == 0 && ofDeleted == 0 && unexpected == 0
          && indexedChunks == expectedChunks;
    }

    String summary() {
      return String.format(java.util.Locale.ROOT, "chaos: %d documents (%d updated, %d deleted), %d stage kills,"
          + " %d broker restarts, %d crashed stages revived; expected %d chunks, indexed %d: lost %d, duplicated %d,"
          + " stale %d, of deleted documents %d, unexpected %d (%.1f s)", documents, updates, deletes, stageKills,
          brokerRestarts, crashesRevived, expectedChunks, indexedChunks, lost, duplicated, stale, ofDeleted,
          unexpected, elapsed.toMillis() / 1000.0);
    }
  }

  /** One document's history: what was published last, and whether it ended deleted. */
  private record DocPlan(String docId, String tenant, String first, String second, boolean deleted) {
    String finalText() {
      return second != null ? second : first;
    }
  }

  private final Path dataDir;
  private final Settings settings;
  private final PrintStream log;
  private final MeterRegistry metrics = new SimpleMeterRegistry();
  private final AtomicInteger revived = new AtomicInteger();
  private final int kafkaPort = freePort();
  private volatile EmbeddedKafka kafka;

  ChaosRun(Path dataDir, Settings settings, PrintStream log) {
    this.dataDir = dataDir.toAbsolutePath();
    this.settings = settings;
    this.log = log;
  }

  Report run() throws Exception {
    long start = System.nanoTime();
    List<DocPlan> plans = plan(new Random(settings.seed()));
    kafka = EmbeddedKafka.start(dataDir, kafkaPort);
    KafkaSettings kafkaSettings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
    TopicAdmin.ensureTopics(kafkaSettings.bootstrap(), kafkaSettings.topicPrefix(), (short) 1, Topics.ALL,
        Duration.ofSeconds(60));
    try (EmbeddingModel model = EmbeddingModels.load(EmbeddingModels.ALL_MINILM_L6_V2.id());
        LuceneStore store = LuceneStore.open(dataDir.resolve("index").resolve("g1"), "g1")) {
      // the stages as every mode starts them (their modules' start calls), on the harness's shared model and store
      IndexerStage.Stores indexed = new IndexerStage.Stores(List.of(new IndexerStage.Target(store.name(),
          IndexTarget.fixed(store))), null, List.of());
      ChunkerStageConfig chunking = new ChunkerStageConfig("0", dataDir, (short) 1, model.id(), Map.of(), 0);
      EmbedderStageConfig embedding = new EmbedderStageConfig("0", model.id(), null, EmbedderConfig.defaults(), 0);
      List<Slot> slots = List.of(
          new Slot("extract", () -> ExtractStage.start(ExtractConfig.defaults("0"), kafkaSettings, metrics)),
          new Slot("chunker", () -> ChunkerStage.start(chunking, kafkaSettings, metrics, model)),
          new Slot("embedder", () -> EmbedderStage.start(embedding, kafkaSettings, metrics,
              (OnnxEmbeddingModel) model)),
          new Slot("indexer", () -> IndexerStage.start(IndexerConfig.defaults("0", "g1"), kafkaSettings, metrics,
              indexed)));
      slots.forEach(Slot::start);
      try {
        Thread publisher = Thread.ofPlatform().name("chaos-publisher").start(() -> publish(kafkaSettings, plans));
        int kills = injectFaults(slots, new Random(settings.seed() + 1));
        publisher.join();
        log.printf("chaos: publishing and faults over after %.1f s; waiting for the index%n",
            (System.nanoTime() - start) / 1e9);
        Map<String, Set<String>> expected = expectedChunks(plans, model);
        Report report = awaitConvergence(plans, expected, store, slots, kills, start, kafkaSettings);
        log.println(report.summary());
        return report;
      } finally {
        for (int i = slots.size() - 1; i >= 0; i--) {
          slots.get(i).kill();
        }
      }
    } finally {
      kafka.close();
    }
  }

  /** Every document once; every tenth updated; every twentieth (not updated) deleted. */
  private List<DocPlan> plan(Random random) {
    List<DocPlan> plans = new ArrayList<>();
    for (int i = 0; i < settings.docs(); i++) {
      String docId = String.format("chaos-%06d", i);
      String first = sentence(random, docId);
      String second = i % 10 == 3 ? sentence(random, docId + " revised") : null;
      plans.add(new DocPlan(docId, TENANT_PREFIX + (i % 3), first, second, i % 20 == 7));
    }
    return plans;
  }

  private static String sentence(Random random, String docId) {
    StringBuilder text = new StringBuilder("Record ").append(docId).append(" mentions");
    for (int w = 0; w < 12; w++) {
      text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
    }
    return text.append('.').toString();
  }

  /** Publishes every document, then, interleaved with later ones, the updates and deletes of earlier ones. */
  private void publish(KafkaSettings kafkaSettings, List<DocPlan> plans) {
    try (DocumentPublisher publisher = new DocumentPublisher(kafkaSettings, "chaos-publisher")) {
      int lag = Math.max(1, plans.size() / 10);
      for (int i = 0; i < plans.size() + lag; i++) {
        if (i < plans.size()) {
          DocPlan plan = plans.get(i);
          retrying(() -> publisher.publish(plan.docId(), plan.tenant(), "text/plain", plan.docId() + ".txt",
              plan.first().getBytes(StandardCharsets.UTF_8), Map.of()));
        }
        if (i >= lag) {
          DocPlan earlier = plans.get(i - lag);
          if (earlier.second() != null) {
            retrying(() -> publisher.publish(earlier.docId(), earlier.tenant(), "text/plain",
                earlier.docId() + ".txt", earlier.second().getBytes(StandardCharsets.UTF_8), Map.of()));
          }
          if (earlier.deleted()) {
            retrying(() -> publisher.delete(List.of(earlier.docId()), earlier.tenant()));
          }
        }
      }
    }
  }

  /** A publish that failed while the broker was down is sent again: a re-publish is a new version, never a loss. */
  private void retrying(Runnable send) {
    for (int attempt = 1; ; attempt++) {
      try {
        send.run();
        return;
      } catch (RuntimeException e) {
        if (attempt >= 30) {
          throw e;
        }
        log.println("chaos: publish failed (attempt " + attempt + "), retrying: " + e.getMessage());
        sleep(Duration.ofSeconds(1));
      }
    }
  }

  /** Kills each stage {@code killsPerStage} times, round robin, and the broker once half-way. Returns the kills. */
  private int injectFaults(List<Slot> slots, Random random) throws Exception {
    int rounds = settings.killsPerStage() * slots.size();
    int kills = 0;
    for (int round = 0; round < rounds; round++) {
      sleep(Duration.ofMillis(500 + random.nextInt(1500)));
      if (settings.restartBroker() && round == rounds / 2) {
        restartBroker();
      }
      Slot slot = slots.get(round % slots.size());
      slot.kill();
      kills++;
      sleep(Duration.ofMillis(100 + random.nextInt(900)));
      slot.start();
      slots.forEach(Slot::reviveIfCrashed);
    }
    if (settings.restartBroker() && rounds == 0) {
      restartBroker();
    }
    return kills;
  }

  private void restartBroker() {
    log.println("chaos: stopping the broker");
    kafka.close();
    sleep(Duration.ofSeconds(1));
    kafka = EmbeddedKafka.start(dataDir, kafkaPort);
    log.println("chaos: broker restarted on the same data directory and port");
  }

  /** The chunk ids each live document must end with: the chunker is a pure function of the extracted document. */
  private Map<String, Set<String>> expectedChunks(List<DocPlan> plans, EmbeddingModel model)
      throws ExtractionException, InterruptedException {
    DocumentChunker chunker = new DocumentChunker(model.tokenizer(),
        ChunkerConfig.forModel(model.maxTokens(), model.tokenizer().specialTokens()));
    Map<String, Set<String>> expected = new HashMap<>();
    try (TikaExtractor extractor = new TikaExtractor()) {
      for (DocPlan plan : plans) {
        if (plan.deleted()) {
          expected.put(plan.docId(), Set.of());
          continue;
        }
        Extraction x = extractor.extract(plan.finalText().getBytes(StandardCharsets.UTF_8), "text/plain",
            plan.docId() + ".txt");
        ExtractedDocument doc = ExtractedDocument.newBuilder().setDocId(plan.docId()).setTenant(plan.tenant())
            .setTitle(x.title()).setLanguage(x.language()).setContentType(x.contentType())
            .setSourceName(plan.docId() + ".txt").setContentHash(x.contentHash()).setVersion(0)
            .setIngestedAt(Instant.EPOCH).setMetadata(new HashMap<>(x.metadata()))
            .setBlocks(new ArrayList<>(x.blocks())).build();
        expected.put(plan.docId(), DocumentChunker.ids(chunker.chunk(doc)));
      }
    }
    return expected;
  }

  private Report awaitConvergence(List<DocPlan> plans, Map<String, Set<String>> expected, LuceneStore store,
      List<Slot> slots, int kills, long start, KafkaSettings kafkaSettings) throws IOException {
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    Report report = compare(plans, expected, store, kills, start);
    long lastChange = System.nanoTime();
    boolean described = false;
    while (!report.clean() && System.nanoTime() < deadline) {
      sleep(Duration.ofSeconds(1));
      slots.forEach(Slot::reviveIfCrashed);
      long before = report.indexedChunks();
      report = compare(plans, expected, store, kills, start);
      if (report.indexedChunks() != before) {
        lastChange = System.nanoTime();
      } else if (!described && System.nanoTime() - lastChange > Duration.ofSeconds(20).toNanos()) {
        described = true; // a stall: say which group holds the backlog and who owns its partitions
        log.println("chaos: no progress for 20 s (" + report.indexedChunks() + " chunks indexed); groups:\n"
            + describeGroups(kafkaSettings));
      }
    }
    if (report.clean()) {
      sleep(Duration.ofSeconds(3)); // a late replay or stray write would show up now
      report = compare(plans, expected, store, kills, start);
    }
    return report;
  }

  private Report compare(List<DocPlan> plans, Map<String, Set<String>> expected, LuceneStore store, int kills,
      long start) throws IOException {
    int lost = 0;
    int duplicated = 0;
    int stale = 0;
    int ofDeleted = 0;
    int expectedTotal = 0;
    long found = 0;
    for (DocPlan plan : plans) {
      Set<String> want = expected.get(plan.docId());
      expectedTotal += want.size();
      List<String> have = new ArrayList<>();
      for (StoredChunk chunk : store.chunksOfDocument(plan.docId(), plan.tenant())) {
        have.add(chunk.chunkId());
      }
      found += have.size();
      Set<String> distinct = new HashSet<>(have);
      duplicated += have.size() - distinct.size();
      for (String id : want) {
        if (!distinct.contains(id)) {
          lost++;
        }
      }
      for (String id : distinct) {
        if (!want.contains(id)) {
          if (plan.deleted()) {
            ofDeleted++;
          } else {
            stale++;
          }
        }
      }
    }
    long indexed = store.chunkCount();
    int unexpected = (int) Math.max(0, indexed - found); // chunks of no generated document (or another tenant)
    int updates = (int) plans.stream().filter(p -> p.second() != null).count();
    int deletes = (int) plans.stream().filter(DocPlan::deleted).count();
    return new Report(plans.size(), updates, deletes, kills, settings.restartBroker() ? 1 : 0, revived.get(),
        expectedTotal, indexed, lost, duplicated, stale, ofDeleted, unexpected,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** One stage's place in the pipeline: whatever instance runs there now. */
  private final class Slot {
    private final String name;
    private final Supplier<StageHandle> factory;
    private StageHandle current;

    Slot(String name, Supplier<StageHandle> factory) {
      this.name = name;
      this.factory = factory;
    }

    /**
     * Starts a new instance. Kafka Streams releases its state directory lock a moment after {@code close()}
     * returns, so a start that finds it still locked is tried again.
     */
    synchronized void start() {
      for (int attempt = 1; ; attempt++) {
        try {
          current = factory.get();
          return;
        } catch (RuntimeException e) {
          if (attempt >= 60) {
            throw e;
          }
          log.println("chaos: " + name + " did not start (attempt " + attempt + "), retrying: " + e.getMessage());
          sleep(Duration.ofMillis(500));
        }
      }
    }

    synchronized void kill() {
      if (current != null) {
        long start = System.nanoTime();
        // a kill that hangs is a defect of the stage's close: show where its threads are
        Thread watchdog = Thread.ofPlatform().daemon().name("chaos-kill-watchdog").start(() -> {
          try {
            Thread.sleep(10_000);
            log.println("chaos: killing " + name + " takes more than 10 s; its threads:\n" + stageThreads());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the kill finished in time
          }
        });
        try {
          current.close(); // closes its clients mid-batch: what a crash leaves behind, to Kafka and the store
        } finally {
          watchdog.interrupt();
        }
        current = null;
        log.println("chaos: killed " + name + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
      }
    }

    /** A stage that died on its own (not killed by the harness) is restarted, like a supervisor would. */
    synchronized void reviveIfCrashed() {
      if (current != null && current.failure().isPresent()) {
        log.println("chaos: " + name + " crashed on its own; restarting it: " + current.failure().get());
        revived.incrementAndGet();
        current.close();
        current = null;
        start();
      }
    }
  }

  /** Each stage group's lag per partition and its members' assignments, as an operator would look them up. */
  private static String describeGroups(KafkaSettings kafkaSettings) {
    StringBuilder out = new StringBuilder();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaSettings.bootstrap()))) {
      LagSnapshot lag = ConsumerLagReader.read(admin, kafkaSettings.topicPrefix());
      lag.partitions().forEach(p -> out.append("  ").append(p.group()).append(' ').append(p.topic()).append('-')
          .append(p.partition()).append(" committed ").append(p.committed()).append(" end ").append(p.end())
          .append('\n'));
      admin.describeConsumerGroups(lag.groups()).all().get().forEach((group, description) -> {
        out.append("  ").append(group).append(' ').append(description.groupState()).append('\n');
        description.members().forEach(m -> out.append("    ").append(m.consumerId()).append(' ')
            .append(m.assignment().topicPartitions()).append('\n'));
      });
    } catch (Exception e) {
      out.append("  (could not describe the groups: ").append(e).append(")\n");
    }
    return out.toString();
  }

  /** The stacks of the pipeline's threads (stage loops and Kafka clients), for a stage that does not stop. */
  private static String stageThreads() {
    StringBuilder out = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      String n = thread.getName();
      if (n.startsWith("ragstream") || n.startsWith("kafka") || n.contains("StreamThread")) {
        out.append("  \"").append(n).append("\" ").append(thread.getState()).append('\n');
        for (StackTraceElement frame : stack) {
          out.append("      at ").append(frame).append('\n');
        }
      }
    });
    return out.toString();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
