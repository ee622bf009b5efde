package io.ragstream.indexer;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.runtime.stage.WorkerThread;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The indexer stage (embeddings → stores): one worker per store, each with its own consumer group, so a slow store
 * never holds back another, and each following its own generation pointer or alias, so a replay's swap moves the
 * writes without a restart.
 */
public final class IndexerStage implements StageHandle {
  public static final String NAME = "indexer";

  /** One store the stage writes: its short name (part of the consumer group) and which generation to write. */
  public record Target(String storeName, IndexTarget target) {
    public Target {
      Objects.requireNonNull(storeName, "storeName");
      Objects.requireNonNull(target, "target");
    }
  }

  /**
   * What the stage writes to.
   *
   * @param targets the stores, in the order they are written
   * @param reembedder embeds chunks for a generation of another model (null: such writes are retried, never dropped)
   * @param owned clients the stage closes after its workers stopped (not those the caller shares, such as the
   *     embedded stack's Lucene writers)
   */
  public record Stores(List<Target> targets, Reembedder reembedder, List<AutoCloseable> owned) {
    public Stores {
      targets = List.copyOf(targets);
      owned = List.copyOf(owned);
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("the indexer needs at least one store");
      }
    }
  }

  private final CompositeStage stage = new CompositeStage(NAME);
  private final List<IndexerWorker> workers = new ArrayList<>();

  private IndexerStage() {}

  /** Starts one worker per store. */
  public static IndexerStage start(IndexerConfig config, KafkaSettings kafka, MeterRegistry metrics, Stores stores) {
    IndexerStage indexer = new IndexerStage();
    try {
      stores.owned().forEach(indexer.stage::resource); // closed after the workers, which are registered later
      for (Target target : stores.targets()) {
        WorkerThread<IndexerWorker> worker = indexer.stage.worker(stores.targets().size() == 1 ? NAME
            : NAME + "-" + target.storeName(), new IndexerWorker(kafka, config.instance(), target.storeName(),
                target.target(), stores.reembedder(), config.maxPollRecords(), metrics));
        indexer.workers.add(worker.worker());
      }
      return indexer;
    } catch (RuntimeException | Error e) {
      throw indexer.stage.closeAfterFailedStart(e);
    }
  }

  /** The generation the first store's worker writes now (it follows a swap within about a second). */
  public String generation() {
    return workers.isEmpty() ? null : workers.getFirst().generation();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Optional<String> notReady() {
    return stage.notReady();
  }

  @Override
  public Optional<Throwable> failure() {
    return stage.failure();
  }

  @Override
  public void close() {
    stage.close();
  }
}
