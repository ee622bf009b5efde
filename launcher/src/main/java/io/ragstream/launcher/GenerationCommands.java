package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.generation.GenerationNames;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.IndexPlan;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ragstream replay} and {@code ragstream generations}: index generations of the embedded (Lucene) store. */
final class GenerationCommands {
  private GenerationCommands() {}

  static final class DataDirOption {
    @Option(names = "--data-dir", defaultValue = "data", description = "state directory (default: ./data)")
    Path dataDir;

    LuceneGenerations generations() {
      return new LuceneGenerations(dataDir.resolve("index"));
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Build a new index generation from a compacted topic (chunks: re-embed; documents: re-chunk and"
          + " re-embed) with fresh consumer groups while live writes continue, wait until it has caught up, check its"
          + " document and chunk counts against what it read (reporting the served generation's beside them), hand"
          + " the live indexer over to it, then swap it in atomically. The old generation stays until"
          + " `generations drop`.")
  static final class Replay implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin Ragstream.KafkaOptions kafka = new Ragstream.KafkaOptions();

    @CommandLine.Mixin DataDirOption data = new DataDirOption();

    @Option(names = "--from", defaultValue = "chunks", description = "chunks (re-embed every current chunk) or"
        + " documents (re-chunk every current document with the chunker settings of this environment, then embed)")
    String from;

    @Option(names = "--generation", required = true, description = "the new generation's name") String generation;

    @Option(names = "--model", defaultValue = "all-minilm-l6-v2", description = "embedding model of the new"
        + " generation (default: ${DEFAULT-VALUE}, `up`'s default)") String model;

    @Option(names = "--chunker-model", defaultValue = "all-minilm-l6-v2", description = "--from documents: the"
        + " model whose tokenizer sizes chunks; must be the live chunker's (`up --model`), so that the live"
        + " pipeline's later updates name the same chunk ids (default: ${DEFAULT-VALUE})") String chunkerModel;

    @Option(names = "--live", defaultValue = "g1", description = "the served generation when no swap happened yet")
    String live;

    @Option(names = "--force", description = "swap even if the counts differ from what the replay read")
    boolean force;

    @Option(names = "--timeout-s", defaultValue = "3600", description = "give up if not caught up by then")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
      if (!from.equals("chunks") && !from.equals("documents")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--from " + from + " is not a replay"
            + " source; use --from chunks or --from documents");
      }
      if (timeoutSeconds < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--timeout-s must be at least 1, got "
            + timeoutSeconds);
      }
      GenerationNames.requireValid(generation);
      EmbeddingModels.spec(model); // names the known models when the id is unknown
      EmbeddingModels.spec(chunkerModel);
      LuceneGenerations generations = data.generations();
      String served = generations.currentOr(live);
      if (served.equals(generation)) {
        throw new IllegalArgumentException("generation " + generation + " is the one being served");
      }
      if (generations.list().contains(generation)) {
        // A leftover would keep documents deleted since, and its counts are unknown: a replay starts empty.
        throw new IllegalArgumentException("generation " + generation + " already exists; drop it first"
            + " (`ragstream generations drop " + generation + "`) or choose another name");
      }
      KafkaSettings settings = kafka.settings();
      try (EmbeddingModel embedder = EmbeddingModels.load(model);
          EmbeddingModel chunkerTokens = from.equals("documents") && !chunkerModel.equals(model)
              ? EmbeddingModels.load(chunkerModel) : null;
          LuceneStore store = LuceneStore.open(generations.directory(generation), generation)) {
        ReplayPlan plan = from.equals("chunks") ? ReplayPlan.chunks(embedder, settings.serdes())
            : ReplayPlan.documents(Stages.documentChunker(chunkerTokens == null ? embedder : chunkerTokens), embedder,
                settings.serdes());
        long started = System.nanoTime();
        System.out.printf("replaying %s from its beginning into generation %s (model %s)%n",
            plan.topic(settings.topicPrefix()), generation, model);
        Replayed replayed = new Replayer(settings, generation, store, plan).run(Duration.ofSeconds(timeoutSeconds));
        System.out.printf("caught up after %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
        long docs = store.documentCount();
        long chunks = store.chunkCount();
        long liveDocs;
        long liveChunks;
        try (LuceneReadOnlySearcher current = LuceneStore.openReadOnly(generations.directory(served))) {
          liveDocs = current.documentCount();
          liveChunks = current.chunkCount();
        }
        System.out.printf("generation %s (model %s, from %s): %d documents, %d chunks from %d records; expected %d"
            + " documents, %d chunks; served %s: %d documents, %d chunks%n", generation, model, from, docs, chunks,
            replayed.records(), plan.expectedDocuments(), plan.expectedChunks(), served, liveDocs, liveChunks);
        if (plan.skipped() > 0) {
          System.err.printf("skipped %d records the live pipeline dead-letters too (no key, undecodable or not"
              + " chunkable)%s%n", plan.skipped(), plan.failedDocuments().isEmpty() ? ""
                  : "; documents: " + String.join(", ", plan.failedDocuments()));
        }
        if ((docs != plan.expectedDocuments() || chunks != plan.expectedChunks()) && !force) {
          System.err.println("generation " + generation + " does not hold what the replay read; not swapping"
              + " (--force to swap anyway)");
          return 2;
        }
        if (docs == 0 && liveDocs > 0) {
          System.err.println("the new generation is empty and the served one is not; not swapping");
          return 2;
        }
        // A bulk-loaded index has many segments and one HNSW graph per segment; merged before it is served, vector
        // search walks one (see LuceneStore#forceMerge and docs/BENCHMARKS.md, query latency).
        long merging = System.nanoTime();
        store.forceMerge(1);
        System.out.printf("merged generation %s into one segment in %d s%n", generation,
            Duration.ofNanos(System.nanoTime() - merging).toSeconds());
        // The live indexer continues in the new generation from here, so nothing written after the snapshot the
        // replay read is lost; see Replayer#handOver.
        Handover handover = replayed.handOver(settings, store);
        System.out.printf("handed over: %d later embedding records applied; the live indexer continues %s from"
            + " offsets %s%n", handover.applied(), generation, handover.offsets());
      }
      generations.swap(generation);
      System.out.println("swapped: now serving " + generation + " (previous " + served + " kept until"
          + " `ragstream generations drop " + served + "`)");
      return 0;
    }
  }

  /** The outcome of reading the source topic: records read, and the embeddings snapshot taken before lag was 0. */
  record Replayed(long records, Map<TopicPartition, Long> embeddingsBefore, String generation, EmbeddingModel model) {

    /** See {@link Replayer#handOver}. */
    Handover handOver(KafkaSettings settings, LuceneStore store) throws Exception {
      return Replayer.handOver(settings, generation, store, model, embeddingsBefore);
    }
  }

  /** What the hand-over applied, and the offsets it committed for the new generation's indexer group. */
  record Handover(long applied, Map<Integer, Long> offsets) {}

  /**
   * The poll loops of a replay. The source is read from its beginning (whatever a group of the same name committed
   * before: a replay always starts from an empty generation) with the group {@code <prefix>replay-lucene-<gen>}, whose
   * commits show its progress in {@code ragstream lag}.
   */
  static final class Replayer {
    private final KafkaSettings settings;
    private final String generation;
    private final LuceneStore store;
    private final ReplayPlan plan;

    Replayer(KafkaSettings settings, String generation, LuceneStore store, ReplayPlan plan) {
      this.settings = settings;
      this.generation = generation;
      this.store = store;
      this.plan = plan;
    }

    /**
     * Reads the source until the lag is zero. Before each look at the end offsets it notes the embeddings topic's
     * end (last stable offset): a source record past the end it finally compares with was written after that note,
     * so every embedding the live pipeline makes of it lies at or past the noted embeddings offsets. The end it
     * compares with may be the previous look's (with that look's note), so that a steady stream of new documents
     * cannot keep the replay from finishing.
     */
    Replayed run(Duration timeout) throws Exception {
      String group = settings.topicPrefix() + "replay-lucene-" + generation;
      String topic = plan.topic(settings.topicPrefix());
      String embeddings = Topics.EMBEDDINGS.name(settings.topicPrefix());
      long deadline = System.nanoTime() + timeout.toNanos();
      long read = 0;
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.consumer(group, group, 500));
          Admin admin = Admin.create(settings.admin())) {
        List<TopicPartition> partitions = partitions(consumer, topic);
        List<TopicPartition> embeddingPartitions = partitions(consumer, embeddings);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> previousEnds = null; // the source's end offsets at the last look
        Map<TopicPartition, Long> previousEmbeddings = null; // the embeddings' end, noted just before them
        while (true) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
          if (!records.isEmpty()) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
            records.forEach(batch::add);
            store.write(plan.plan(batch));
            consumer.commitSync();
            read += batch.size();
          }
          // Caught up: the position (past transaction markers) has reached the end offsets read at the previous
          // look (or at this one). Comparing with the previous look's ends lets a replay finish while documents
          // keep arriving faster than one poll-write-commit round trip; the hand-over covers everything later.
          if (previousEnds != null && reached(consumer, previousEnds)) {
            return new Replayed(read, previousEmbeddings, generation, plan.model());
          }
          previousEmbeddings = lastStable(admin, embeddingPartitions);
          previousEnds = consumer.endOffsets(partitions);
          if (reached(consumer, previousEnds)) {
            return new Replayed(read, previousEmbeddings, generation, plan.model());
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("replay did not catch up with " + topic + " within " + timeout);
          }
        }
      }
    }

    /**
     * Brings the new generation up to the embeddings topic's end, then commits that end as the new generation's
     * indexer group offsets ({@link IndexerWorker#group}). The embeddings from the snapshot on may reflect source
     * records the replay did not read; applying them in order (re-embedded with the generation's model where the
     * embedder stage used another) leaves each chunk as the live pipeline left it — they are idempotent upserts and
     * deletes by chunk id. Applying them before the swap means the new generation, once served, is not staler than
     * the live indexer's committed progress was; a live indexer that follows the swap continues from the committed
     * offsets, so records after them land in the new generation too, and none is lost in between.
     */
    static Handover handOver(KafkaSettings settings, String generation, LuceneStore store, EmbeddingModel model,
        Map<TopicPartition, Long> from) throws Exception {
      String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
      Deserializer<EmbeddedChunk> embeddingValues = settings.valueSerde(Topics.EMBEDDINGS).deserializer();
      String indexerGroup = IndexerWorker.group(settings.topicPrefix(), store.name(), generation);
      String group = settings.topicPrefix() + "replay-lucene-" + generation + "-handover";
      long applied = 0;
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.consumer(group, group, 1000))) {
        List<TopicPartition> partitions = partitions(consumer, topic);
        consumer.assign(partitions);
        for (TopicPartition p : partitions) {
          consumer.seek(p, from.getOrDefault(p, 0L));
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        while (!partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p))) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
          if (records.isEmpty()) {
            continue;
          }
          List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
          records.forEach(batch::add);
          // dead letters of this plan are the live indexer's to write (it reads the same records); not ours
          IndexPlan indexPlan = IndexPlan.of(batch, settings.topicPrefix(), embeddingValues)
              .forModel(model.id(), (id, texts) -> model.embedAll(texts));
          store.write(indexPlan.batch());
          applied += batch.size();
        }
        for (TopicPartition p : partitions) {
          offsets.put(p, new OffsetAndMetadata(consumer.position(p)));
        }
      }
      try (Admin admin = Admin.create(settings.admin())) {
        admin.alterConsumerGroupOffsets(indexerGroup, offsets).all().get(60, TimeUnit.SECONDS);
      }
      Map<Integer, Long> shown = new TreeMap<>();
      offsets.forEach((p, o) -> shown.put(p.partition(), o.offset()));
      return new Handover(applied, shown);
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
      return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** The last stable offsets (what a read_committed consumer reads up to) of partitions not assigned here. */
    private static Map<TopicPartition, Long> lastStable(Admin admin, List<TopicPartition> partitions)
        throws Exception {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      partitions.forEach(p -> request.put(p, OffsetSpec.latest()));
      Map<TopicPartition, Long> offsets = new HashMap<>();
      admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
          .get(60, TimeUnit.SECONDS).forEach((p, info) -> offsets.put(p, info.offset()));
      return offsets;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist; is the pipeline running against this"
            + " --bootstrap and --topic-prefix?");
      }
      return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }
  }

  @Command(name = "generations", mixinStandardHelpOptions = true,
      description = "List index generations (the served one marked *), swap one in, or drop one not served.")
  static final class Generations implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DataDirOption data = new DataDirOption();

    @Parameters(index = "0", paramLabel = "ACTION", description = "list | swap | drop") String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME") String name;

    @Option(names = "--live", defaultValue = "g1", description = "the served generation when no swap happened yet")
    String live;

    @Override
    public Integer call() throws Exception {
      LuceneGenerations generations = data.generations();
      switch (action) {
        case "list" -> {
          String served = generations.currentOr(live);
          for (String g : generations.list()) {
            System.out.println((g.equals(served) ? "* " : "  ") + g);
          }
        }
        case "swap" -> {
          generations.swap(required());
          System.out.println("now serving " + name);
        }
        case "drop" -> {
          if (generations.currentOr(live).equals(required())) {
            throw new IllegalStateException("generation " + name + " is served; swap to another one first");
          }
          generations.drop(name);
          System.out.println("dropped " + name);
        }
        default -> throw new CommandLine.ParameterException(spec.commandLine(),
            "unknown action '" + action + "': list, swap or drop");
      }
      return 0;
    }

    private String required() {
      if (name == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), action + " needs a generation NAME");
      }
      return name;
    }
  }
}
