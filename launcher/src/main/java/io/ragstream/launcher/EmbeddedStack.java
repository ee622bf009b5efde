package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.chunker.ChunkerStage;
import io.ragstream.chunker.ChunkerStageConfig;
import io.ragstream.embedder.EmbedderStage;
import io.ragstream.embedder.EmbedderStageConfig;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.ModelSettings;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.IndexerConfig;
import io.ragstream.indexer.IndexerStage;
import io.ragstream.indexer.generation.GenerationSwitchingSearcher;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.generation.LuceneWriters;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.ingest.ExtractConfig;
import io.ragstream.ingest.ExtractStage;
import io.ragstream.ingest.IngestConfig;
import io.ragstream.ingest.IngestStage;
import io.ragstream.query.QueryConfig;
import io.ragstream.query.QueryStage;
import io.ragstream.query.StatusConfig;
import io.ragstream.query.StatusStage;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Settings;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.stage.Health;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.schemas.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything in one JVM: a real Kafka broker, every stage, the Lucene store and both HTTP servers, with all state
 * under one data directory. Started in dependency order and closed in reverse; a restart on the same directory
 * resumes from the committed offsets, the Streams state and the Lucene commit.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStack.class);

  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private final List<StageHandle> stages = new ArrayList<>();
  private final StackConfig config;
  private EmbeddedKafka kafka;
  private KafkaSettings settings;
  private StageHandle chunker;
  private StageHandle query;
  private StageHandle ingest;
  private IndexerStage indexer;

  private EmbeddedStack(StackConfig config) {
    this.config = config;
  }

  public static EmbeddedStack start(StackConfig config, MeterRegistry metrics) throws IOException {
    return start(config, metrics, System.getenv());
  }

  /**
   * Starts the stack with the stages' settings read from {@code env} ({@code RAGSTREAM_*}: chunking, embedder
   * batching, search, the query cache, LLM answers, ...), the stack's own config winning over them.
   */
  public static EmbeddedStack start(StackConfig config, MeterRegistry metrics, Map<String, String> env)
      throws IOException {
    EmbeddedStack stack = new EmbeddedStack(config);
    try {
      stack.startAll(metrics, env);
      return stack;
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /** A stage's settings: the stack's config as flags, then the environment, then the defaults. */
  private Settings settings(String stage, Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    flags.put(CommonSettings.DATA_DIR.key(), config.dataDir().toAbsolutePath().toString());
    flags.put(CommonSettings.TOPIC_PREFIX.key(), config.topicPrefix());
    flags.put(CommonSettings.BOOTSTRAP.key(), kafka.bootstrapServers());
    flags.put(CommonSettings.INSTANCE.key(), "0"); // one replica; a stable id keeps transactional ids across restarts
    flags.put(CommonSettings.REPLICATION.key(), "1");
    flags.put(ModelSettings.MODEL.key(), config.modelId());
    flags.put(IndexerConfig.GENERATION.key(), config.generation());
    flags.put(QueryConfig.PORT.key(), Integer.toString(config.httpPort()));
    flags.put(IngestConfig.PORT.key(), Integer.toString(config.ingestPort()));
    flags.put(IngestConfig.MAX_UPLOAD.key(), Long.toString(config.maxUploadBytes()));
    Map<String, String> declared = new HashMap<>();
    StageCatalog.settings(stage).forEach(s -> declared.put(s.key(), s.key()));
    flags.keySet().retainAll(declared.keySet());
    return Settings.resolve(StageCatalog.settings(stage), flags, env);
  }

  private void startAll(MeterRegistry metrics, Map<String, String> env) throws IOException {
    StageCatalog.rejectUnknownVariables(env);
    Path dataDir = config.dataDir().toAbsolutePath();
    kafka = register(EmbeddedKafka.start(dataDir, config.kafkaPort()));
    // the in-process broker is plaintext: the RAGSTREAM_KAFKA_* client overrides are for external clusters
    settings = new KafkaSettings(kafka.bootstrapServers(), config.topicPrefix()).withSerdes(config.serdes());
    TopicAdmin.ensureTopics(settings, (short) 1, Topics.ALL, Duration.ofSeconds(60));

    // the chunker counts tokens with it and the query service embeds queries with it; the embedder stage loads its
    // own instance with batch settings
    EmbeddingModel model = register(EmbeddingModels.load(config.modelId(), OnnxOptions.forQueries()));
    // The served generation: the one `ragstream replay` last swapped in, else the configured one. The indexer and
    // the query side both follow the pointer; they share each generation's writer, searched near-real-time.
    LuceneGenerations generations = new LuceneGenerations(dataDir.resolve("index"));
    LuceneWriters writers = register(new LuceneWriters(generations));
    GenerationSwitchingSearcher searcher;
    try (LuceneWriters.Lease opening = writers.acquire(generations.currentOr(config.generation()))) {
      // held while the searcher opens, so that it searches the writer from the start rather than a reader
      searcher = register(GenerationSwitchingSearcher.open(writers, config.generation(),
          LuceneReadOnlySearcher.DEFAULT_REFRESH_INTERVAL));
    }
    ModelReembedder reembedder = register(new ModelReembedder());

    // the same stages, assembled by the same calls, as `ragstream stage NAME` runs
    stage(ExtractStage.start(ExtractConfig.from(settings(ExtractStage.NAME, env), env), settings, metrics));
    chunker = stage(ChunkerStage.start(ChunkerStageConfig.from(settings(ChunkerStage.NAME, env), env), settings,
        metrics, model));
    stage(EmbedderStage.start(EmbedderStageConfig.from(settings(EmbedderStage.NAME, env), env), settings, metrics));
    indexer = stage(IndexerStage.start(IndexerConfig.from(settings(IndexerStage.NAME, env), env), settings, metrics,
        new IndexerStage.Stores(List.of(new IndexerStage.Target("lucene",
            writers.followingPointer(config.generation()))), reembedder, List.of())));
    stage(StatusStage.start(StatusConfig.from(settings(StatusStage.NAME, env), env), settings, metrics));
    List<StageHandle> pipeline = List.copyOf(stages);
    // the query API's readiness covers the whole stack, as `up` serves one pipeline
    query = stage(QueryStage.start(QueryConfig.from(settings(QueryStage.NAME, env)), settings, metrics,
        new QueryStage.Store(searcher, searcher::currentGeneration, List.of()), model, Health.all(pipeline)));
    ingest = stage(IngestStage.start(IngestConfig.from(settings(IngestStage.NAME, env)), settings, metrics));
    awaitChunkerRunning(Duration.ofSeconds(120));
  }

  private <T extends StageHandle> T stage(T handle) {
    stages.add(handle);
    return register(handle);
  }

  private void awaitChunkerRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!chunker.isReady()) {
      if (chunker.failure().isPresent() || System.nanoTime() > deadline) {
        throw new IllegalStateException("chunker did not reach RUNNING: " + chunker.notReady().orElse("")
            + chunker.failure().map(f -> " (" + f + ")").orElse(""));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting", e);
      }
    }
  }

  /** Ready: every stage is (the chunker's Streams client runs and every worker thread is alive). */
  public boolean isReady() {
    return !stages.isEmpty() && stages.stream().allMatch(StageHandle::isReady);
  }

  /** The stages, in start order. */
  public List<StageHandle> stages() {
    return List.copyOf(stages);
  }

  /** The generation the live indexer writes now (it follows a swap within about a second). */
  public String indexedGeneration() {
    return indexer == null ? null : indexer.generation();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public KafkaSettings kafkaSettings() {
    return settings;
  }

  public int httpPort() {
    return query.httpPort();
  }

  public int ingestPort() {
    return ingest.httpPort();
  }

  private <T extends AutoCloseable> T register(T closeable) {
    closeables.push(closeable);
    return closeable;
  }

  /** Stops the servers, then the stages (finishing or aborting their current batch), then the broker. */
  @Override
  public void close() {
    while (!closeables.isEmpty()) {
      AutoCloseable closeable = closeables.pop();
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("error while closing {}", closeable.getClass().getSimpleName(), e);
      }
    }
  }
}
