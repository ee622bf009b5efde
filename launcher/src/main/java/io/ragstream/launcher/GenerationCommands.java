package io.ragstream.launcher;

import io.ragstream.chunker.ChunkerStage;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.generation.GenerationCatalog;
import io.ragstream.indexer.generation.GenerationCounts;
import io.ragstream.indexer.generation.GenerationNames;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.IndexPlan;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.store.ChunkStore;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.io.Closeable;
import java.io.IOException;
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
import org.apache.lucene.util.IOUtils;

/**
 * {@code ragstream replay} and {@code ragstream generations}: index generations of the chosen stores (Lucene, or
 * Qdrant and Elasticsearch), through the store SPI ({@link ChunkStore}) and each store's {@link GenerationCatalog}.
 */
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
      description = "Build a new index generation (Lucene directory, or Qdrant collection and Elasticsearch index)"
          + " from a compacted topic (chunks: re-embed; documents: re-chunk and re-embed) with fresh consumer groups"
          + " while live writes continue, wait until it has caught up, check every store's document and chunk counts"
          + " against what it read (reporting the served generation's beside them), hand the live indexers over to"
          + " it, then swap it in atomically (each store's alias). The old generation stays until `generations drop`.")
  static final class Replay implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin Ragstream.KafkaOptions kafka = new Ragstream.KafkaOptions();

    @CommandLine.Mixin DataDirOption data = new DataDirOption();

    @CommandLine.Mixin StoreOptions stores = new StoreOptions();

    @Option(names = "--from", defaultValue = "chunks", description = "chunks (re-embed every current chunk) or"
        + " documents (re-chunk every current document with the chunker settings of this environment, then embed)")
    String from;

    @Option(names = "--generation", required = true, description = "the new generation's name") String generation;

    @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "embedding model of the new"
        + " generation (default: ${DEFAULT-VALUE}, `up`'s default)") String model;

    @Option(names = "--chunker-model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "--from documents: the"
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
      String choice = storeChoice(stores, spec);
      try (StoreOptions.Opened opened = stores.generations(data.dataDir)) {
        return replay(choice, opened.stores());
      }
    }

    private int replay(String choice, List<StoreOptions.StoreGenerations> targets) throws Exception {
      String storeFlag = choice.equals(StoreOptions.LUCENE) ? "" : " --store " + choice;
      List<String> served = new ArrayList<>(targets.size()); // each store's served generation, in targets' order
      for (StoreOptions.StoreGenerations target : targets) {
        GenerationCatalog catalog = target.catalog();
        String current = catalog.currentOr(live);
        if (current.equals(generation)) {
          throw new IllegalArgumentException("generation " + generation + " is the one being served (by "
              + catalog.store() + ")");
        }
        if (catalog.list().contains(generation)) {
          // A leftover would keep documents deleted since, and its counts are unknown: a replay starts empty.
          throw new IllegalArgumentException("generation " + generation + " already exists; drop it first"
              + " (`ragstream generations drop " + generation + storeFlag + "`) or choose another name"
              + (targets.size() > 1 ? " (found in " + catalog.store() + ")" : ""));
        }
        served.add(current);
      }
      KafkaSettings settings = kafka.settings();
      List<ChunkStore> built = new ArrayList<>(targets.size());
      try (EmbeddingModel embedder = EmbeddingModels.load(model);
          EmbeddingModel chunkerTokens = from.equals("documents") && !chunkerModel.equals(model)
              ? EmbeddingModels.load(chunkerModel) : null) {
        for (StoreOptions.StoreGenerations target : targets) {
          built.add(target.open(generation, embedder.dimension()));
        }
        ReplayPlan plan = from.equals("chunks") ? ReplayPlan.chunks(embedder, settings.serdes())
            : ReplayPlan.documents(ChunkerStage.documentChunker(chunkerTokens == null ? embedder : chunkerTokens,
                ChunkerSettings.fromEnvironment()), embedder,
                settings.serdes());
        long started = System.nanoTime();
        System.out.printf("replaying %s from its beginning into generation %s of %s (model %s)%n",
            plan.topic(settings.topicPrefix()), generation, choice, model);
        Replayed replayed = new Replayer(settings, generation, built, plan).run(Duration.ofSeconds(timeoutSeconds));
        System.out.printf("caught up after %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
        if (plan.skipped() > 0) {
          System.err.printf("skipped %d records the live pipeline dead-letters too (no key, undecodable or not"
              + " chunkable)%s%n", plan.skipped(), plan.failedDocuments().isEmpty() ? ""
                  : "; documents: " + String.join(", ", plan.failedDocuments()));
        }
        // Every store is checked before any is prepared, handed over or swapped: both or neither.
        boolean pass = true;
        for (int i = 0; i < targets.size(); i++) {
          ChunkStore store = built.get(i);
          String servedGeneration = served.get(i);
          long docs = store.documentCount();
          long chunks = store.chunkCount();
          GenerationCounts current = targets.get(i).catalog().counts(servedGeneration);
          System.out.printf("%s generation %s (model %s, from %s): %d documents, %d chunks from %d records;"
              + " expected %d documents, %d chunks; served %s: %d documents, %d chunks%n", store.name(),
              generation, model, from, docs, chunks, replayed.records(), plan.expectedDocuments(),
              plan.expectedChunks(), servedGeneration, current.documents(), current.chunks());
          if ((docs != plan.expectedDocuments() || chunks != plan.expectedChunks()) && !force) {
            System.err.println(store.name() + " generation " + generation + " does not hold what the replay read;"
                + " not swapping (--force to swap anyway)");
            pass = false;
          } else if (docs == 0 && current.documents() > 0) {
            System.err.println("the new " + store.name() + " generation is empty and the served one is not; not"
                + " swapping");
            pass = false;
          }
        }
        if (!pass) {
          return 2;
        }
        for (ChunkStore store : built) {
          // Lucene: one segment, so vector search walks one HNSW graph (LuceneStore#prepareForServing); the
          // others have nothing to do here.
          long preparing = System.nanoTime();
          store.prepareForServing();
          System.out.printf("prepared %s generation %s for serving in %d s%n", store.name(), generation,
              Duration.ofNanos(System.nanoTime() - preparing).toSeconds());
        }
        // The live indexers continue in the new generation from here, so nothing written after the snapshot the
        // replay read is lost; see Replayer#handOver.
        Handover handover = replayed.handOver(settings, built);
        System.out.printf("handed over: %d later embedding records applied; the live indexers continue %s from"
            + " offsets %s%n", handover.applied(), generation, handover.offsets());
      } finally {
        closeAll(built);
      }
      List<String> swapped = new ArrayList<>();
      for (StoreOptions.StoreGenerations target : targets) {
        try {
          target.catalog().swap(generation);
        } catch (IOException | RuntimeException e) {
          // Each alias swap is atomic, two stores' together are not: say exactly what is served where.
          throw new IllegalStateException("swapping " + target.name() + " to " + generation + " failed"
              + (swapped.isEmpty() ? "" : " after " + String.join(", ", swapped) + " already serve it") + ": " + e
              + "; retry with `ragstream generations swap " + generation + storeFlag + "`", e);
        }
        swapped.add(target.name());
      }
      List<String> previous = new ArrayList<>();
      for (int i = 0; i < targets.size(); i++) {
        String g = served.get(i);
        previous.add((targets.size() > 1 ? targets.get(i).name() + " " : "") + g + " kept until `ragstream"
            + " generations drop " + g + storeFlag + "`");
      }
      System.out.println("swapped: now serving " + generation + " (previous " + String.join(", ", previous) + ")");
      return 0;
    }
  }

  /** The --store choice, or a usage error naming what is wrong with it. */
  private static String storeChoice(StoreOptions stores, CommandLine.Model.CommandSpec spec) {
    try {
      return stores.choice();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static void closeAll(List<ChunkStore> stores) throws IOException {
    // every one closed; the first failure thrown, the others suppressed in it
    IOUtils.close(stores.stream().<Closeable>map(store -> store::close).toList());
  }

  /** The outcome of reading the source topic: records read, and the embeddings snapshot taken before lag was 0. */
  record Replayed(long records, Map<TopicPartition, Long> embeddingsBefore, String generation, EmbeddingModel model) {

    /** See {@link Replayer#handOver}. */
    Handover handOver(KafkaSettings settings, List<ChunkStore> stores) throws Exception {
      return Replayer.handOver(settings, generation, stores, model, embeddingsBefore);
    }
  }

  /** What the hand-over applied, and the offsets it committed for the new generation's indexer group. */
  record Handover(long applied, Map<Integer, Long> offsets) {}

  /**
   * The poll loops of a replay, over the store SPI: every batch goes to each store's new generation in turn (all
   * idempotent upserts and deletes by chunk id, so a store that failed after another succeeded is retried whole by
   * a new replay). The source is read from its beginning (whatever a group of the same name committed before: a
   * replay always starts from an empty generation) with the group {@code <prefix>replay-<stores>-<gen>} ({@code
   * replay-lucene-g2}, {@code replay-qdrant-elasticsearch-g2}), whose commits show its progress in {@code ragstream
   * lag}.
   */
  static final class Replayer {
    private final KafkaSettings settings;
    private final String generation;
    private final List<ChunkStore> stores;
    private final ReplayPlan plan;

    Replayer(KafkaSettings settings, String generation, List<ChunkStore> stores, ReplayPlan plan) {
      if (stores.isEmpty()) {
        throw new IllegalArgumentException("a replay needs at least one store");
      }
      this.settings = settings;
      this.generation = generation;
      this.stores = List.copyOf(stores);
      this.plan = plan;
    }

    /** The replay's consumer group: one per generation and set of stores. */
    static String group(String topicPrefix, List<ChunkStore> stores, String generation) {
      return topicPrefix + "replay-" + String.join("-", stores.stream().map(ChunkStore::name).toList()) + "-"
          + generation;
    }

    /**
     * Reads the source until the lag is zero. Before each look at the end offsets it notes the embeddings topic's
     * end (last stable offset): a source record past the end it finally compares with was written after that note,
     * so every embedding the live pipeline makes of it lies at or past the noted embeddings offsets. The end it
     * compares with may be the previous look's (with that look's note), so that a steady stream of new documents
     * cannot keep the replay from finishing.
     */
    Replayed run(Duration timeout) throws Exception {
      String group = group(settings.topicPrefix(), stores, generation);
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
            WriteBatch planned = plan.plan(batch);
            for (ChunkStore store : stores) {
              store.write(planned);
            }
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
     * Brings the new generation of every store up to the embeddings topic's end, then commits that end as the
     * offsets of each store's indexer group for the new generation ({@link IndexerWorker#group}): each store's live
     * indexer has its own group and follows its own alias. The embeddings from the snapshot on may reflect source
     * records the replay did not read; applying them in order (re-embedded with the generation's model where the
     * embedder stage used another) leaves each chunk as the live pipeline left it — they are idempotent upserts and
     * deletes by chunk id. Applying them before the swap means the new generation, once served, is not staler than
     * the live indexer's committed progress was; a live indexer that follows the swap continues from the committed
     * offsets, so records after them land in the new generation too, and none is lost in between.
     */
    static Handover handOver(KafkaSettings settings, String generation, List<ChunkStore> stores,
        EmbeddingModel model, Map<TopicPartition, Long> from) throws Exception {
      String topic = Topics.EMBEDDINGS.name(settings.topicPrefix());
      Deserializer<EmbeddedChunk> embeddingValues = settings.valueSerde(Topics.EMBEDDINGS).deserializer();
      String group = group(settings.topicPrefix(), stores, generation) + "-handover";
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
          for (ChunkStore store : stores) {
            store.write(indexPlan.batch());
          }
          applied += batch.size();
        }
        for (TopicPartition p : partitions) {
          offsets.put(p, new OffsetAndMetadata(consumer.position(p)));
        }
      }
      try (Admin admin = Admin.create(settings.admin())) {
        for (ChunkStore store : stores) {
          String indexerGroup = IndexerWorker.group(settings.topicPrefix(), store.name(), generation);
          admin.alterConsumerGroupOffsets(indexerGroup, offsets).all().get(60, TimeUnit.SECONDS);
        }
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
      description = "List index generations (the served one marked *), swap one in, or drop one not served; in"
          + " every store of --store (lucene, or qdrant+elasticsearch: both aliases).")
  static final class Generations implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin DataDirOption data = new DataDirOption();

    @CommandLine.Mixin StoreOptions stores = new StoreOptions();

    @Parameters(index = "0", paramLabel = "ACTION", description = "list | swap | drop") String action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME") String name;

    @Option(names = "--live", defaultValue = "g1", description = "the served generation when no swap happened yet")
    String live;

    @Override
    public Integer call() throws Exception {
      if (!List.of("list", "swap", "drop").contains(action)) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "unknown action '" + action + "': list, swap or drop");
      }
      String choice = storeChoice(stores, spec);
      if (!action.equals("list")) {
        required(); // before any store is opened
      }
      GenerationNames.requireValid(live);
      try (StoreOptions.Opened opened = stores.generations(data.dataDir)) {
        List<GenerationCatalog> catalogs = opened.stores().stream().map(StoreOptions.StoreGenerations::catalog)
            .toList();
        switch (action) {
          case "list" -> {
            for (GenerationCatalog catalog : catalogs) {
              String indent = catalogs.size() > 1 ? "  " : "";
              if (catalogs.size() > 1) {
                System.out.println(catalog.store() + ":");
              }
              String served = catalog.currentOr(live);
              for (String g : catalog.list()) {
                System.out.println(indent + (g.equals(served) ? "* " : "  ") + g);
              }
            }
          }
          case "swap" -> {
            String generation = required();
            for (GenerationCatalog catalog : catalogs) {
              if (!catalog.list().contains(generation)) {
                // checked for every store first, so that a missing one never leaves the other swapped alone
                throw new IllegalArgumentException("no generation " + generation + " in " + catalog.store());
              }
            }
            for (GenerationCatalog catalog : catalogs) {
              catalog.swap(generation);
            }
            System.out.println("now serving " + generation + (catalogs.size() > 1 ? " (" + choice + ")" : ""));
          }
          default -> {
            String generation = required();
            for (GenerationCatalog catalog : catalogs) {
              if (catalog.currentOr(live).equals(generation)) {
                throw new IllegalStateException("generation " + generation + " is served"
                    + (catalogs.size() > 1 ? " by " + catalog.store() : "") + "; swap to another one first");
              }
              if (catalogs.size() > 1 && !catalog.list().contains(generation)) {
                // checked for every store first, so that a typo never drops the generation from one store only
                throw new IllegalArgumentException("no generation " + generation + " in " + catalog.store());
              }
            }
            for (GenerationCatalog catalog : catalogs) {
              catalog.drop(generation);
            }
            System.out.println("dropped " + name);
          }
        }
      }
      return 0;
    }

    private String required() {
      if (name == null) {
        throw new CommandLine.ParameterException(spec.commandLine(), action + " needs a generation NAME");
      }
      // checked like replay's: a name is a directory (Lucene) or an index/collection name, so `../..` must never
      // reach a store's drop
      try {
        return GenerationNames.requireValid(name);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
  }
}
