package io.ragstream.launcher;

import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.generation.GenerationNames;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.store.WriteBatch;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import org.apache.kafka.common.serialization.Deserializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
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
      description = "Build a new index generation from the compacted chunks topic with a fresh consumer group while"
          + " live writes continue, wait until it has caught up, check its document count against the served"
          + " generation, then swap it in atomically. The old generation stays until `generations drop`.")
  static final class Replay implements Callable<Integer> {
    @CommandLine.Mixin Ragstream.KafkaOptions kafka = new Ragstream.KafkaOptions();

    @CommandLine.Mixin DataDirOption data = new DataDirOption();

    @Option(names = "--from", defaultValue = "chunks", description = "chunks (re-embed every chunk); documents is"
        + " not supported yet") String from;

    @Option(names = "--generation", required = true, description = "the new generation's name") String generation;

    @Option(names = "--model", defaultValue = "all-minilm-l6-v2", description = "embedding model of the new"
        + " generation") String model;

    @Option(names = "--live", defaultValue = "g1", description = "the served generation when no swap happened yet")
    String live;

    @Option(names = "--force", description = "swap even if the document counts differ") boolean force;

    @Option(names = "--timeout-s", defaultValue = "3600", description = "give up if not caught up by then")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
      if (!from.equals("chunks")) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--from " + from + " is not supported yet;"
            + " use --from chunks");
      }
      GenerationNames.requireValid(generation);
      LuceneGenerations generations = data.generations();
      String served = generations.currentOr(live);
      if (served.equals(generation)) {
        throw new IllegalArgumentException("generation " + generation + " is the one being served");
      }
      KafkaSettings settings = kafka.settings();
      try (EmbeddingModel embedder = EmbeddingModels.load(model);
          LuceneStore store = LuceneStore.open(generations.directory(generation), generation)) {
        long records = catchUp(settings, embedder, store, Duration.ofSeconds(timeoutSeconds));
        long docs = store.documentCount();
        long liveDocs;
        long liveChunks;
        try (LuceneReadOnlySearcher current = LuceneStore.openReadOnly(generations.directory(served))) {
          liveDocs = current.documentCount();
          liveChunks = current.chunkCount();
        }
        System.out.printf("generation %s: %d documents, %d chunks from %d records; served %s: %d documents, %d"
            + " chunks%n", generation, docs, store.chunkCount(), records, served, liveDocs, liveChunks);
        if (docs != liveDocs && !force) {
          System.err.println("document counts differ; not swapping (--force to swap anyway)");
          return 2;
        }
        if (docs == 0 && liveDocs > 0) {
          System.err.println("the new generation is empty; not swapping");
          return 2;
        }
      }
      generations.swap(generation);
      System.out.println("swapped: now serving " + generation + " (previous " + served + " kept until"
          + " `ragstream generations drop " + served + "`)");
      return 0;
    }

    /** Reads the chunks topic from the start with a group of its own until its lag is zero; returns records read. */
    private long catchUp(KafkaSettings settings, EmbeddingModel embedder, LuceneStore store, Duration timeout) {
      String group = settings.topicPrefix() + "replay-lucene-" + generation;
      long deadline = System.nanoTime() + timeout.toNanos();
      long read = 0;
      Deserializer<Chunk> chunkValues = settings.valueSerde(Topics.CHUNKS).deserializer();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.consumer(group, group, 500))) {
        consumer.subscribe(List.of(Topics.CHUNKS.name(settings.topicPrefix())));
        while (true) {
          ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
          if (!records.isEmpty()) {
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(records.count());
            records.forEach(batch::add);
            WriteBatch write = ReplayPlan.of(batch, chunkValues, embedder);
            try {
              store.write(write);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException("writing generation " + generation + " failed", e);
            }
            consumer.commitSync();
            read += batch.size();
          }
          Set<TopicPartition> assigned = consumer.assignment();
          if (!assigned.isEmpty() && caughtUp(consumer, assigned)) {
            return read;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("replay did not catch up within " + timeout);
          }
        }
      }
    }

    /** Lag zero: the position (past transaction markers) has reached the end of every assigned partition. */
    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> assigned) {
      Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
      return assigned.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
    }
  }

  @Command(name = "generations", mixinStandardHelpOptions = true,
      description = "List index generations (the served one marked *), swap one in, or drop one not served.")
  static final class Generations implements Callable<Integer> {
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
        default -> throw new CommandLine.ParameterException(new CommandLine(this),
            "unknown action '" + action + "': list, swap or drop");
      }
      return 0;
    }

    private String required() {
      if (name == null) {
        throw new CommandLine.ParameterException(new CommandLine(this), action + " needs a generation NAME");
      }
      return name;
    }
  }
}
