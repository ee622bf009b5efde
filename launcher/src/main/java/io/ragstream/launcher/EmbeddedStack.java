package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.chunker.ChunkerApp;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.IndexerWorker;
import io.ragstream.indexer.generation.GenerationSwitchingSearcher;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.generation.LuceneWriters;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.ingest.extract.ExtractLimits;
import io.ragstream.ingest.extract.TikaExtractor;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.IngestHttpServer;
import io.ragstream.query.QueryHttpServer;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchService;
import io.ragstream.query.answer.Answerers;
import io.ragstream.query.expand.QueryExpanders;
import io.ragstream.query.experiment.Experiments;
import io.ragstream.query.cache.CacheInvalidator;
import io.ragstream.query.cache.QueryCache;
import io.ragstream.query.cache.QueryCacheSettings;
import io.ragstream.query.rerank.OnnxCrossEncoder;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.kafka.TransactionalStage;
import io.ragstream.schemas.Topics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
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
  private final List<Thread> workers = new ArrayList<>();
  private final StackConfig config;
  private EmbeddedKafka kafka;
  private KafkaSettings settings;
  private ChunkerApp chunker;
  private QueryHttpServer query;
  private IngestHttpServer ingest;
  private IndexerWorker indexer;

  private EmbeddedStack(StackConfig config) {
    this.config = config;
  }

  public static EmbeddedStack start(StackConfig config, MeterRegistry metrics) throws IOException {
    EmbeddedStack stack = new EmbeddedStack(config);
    try {
      stack.startAll(metrics);
      return stack;
    } catch (IOException | RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private void startAll(MeterRegistry metrics) throws IOException {
    Path dataDir = config.dataDir().toAbsolutePath();
    kafka = register(EmbeddedKafka.start(dataDir, config.kafkaPort()));
    settings = new KafkaSettings(kafka.bootstrapServers(), config.topicPrefix()).withSerdes(config.serdes());
    TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
        Duration.ofSeconds(60));

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
    // parsing runs in a child JVM: a parser hang or out-of-memory costs a child restart, never the stage
    TikaExtractor extractor = register(TikaExtractor.isolated(ExtractLimits.DEFAULTS));

    startWorker("extract", Stages.extract(settings, "0", extractor, metrics));
    chunker = register(Stages.chunker(settings, dataDir.resolve("streams"), model, (short) 1, metrics));
    chunker.start();
    startWorker("embedder", Stages.embedder(settings, "0", config.modelId(), dataDir.resolve("embedding-cache"),
        metrics));
    indexer = Stages.indexer(settings, "0", writers, config.generation(), reembedder, metrics);
    startWorker("indexer", indexer);
    startWorker("status", Stages.status(settings, "0", metrics));

    SearchService.Builder searchBuilder = SearchService.builder(searcher, model).config(SearchConfig.defaults())
        .registry(metrics);
    // the query cache (RAGSTREAM_QUERY_CACHE, docs/QUERY.md) is positioned on the index events before serving
    Optional<QueryCache> cache = QueryCacheSettings.fromEnvironment(System.getenv()).open().map(this::register);
    if (cache.isPresent()) {
      startWorker("cache-invalidator", new CacheInvalidator(settings, cache.get(), "ragstream-query-cache"));
      searchBuilder.cache(cache.get(), searcher::currentGeneration); // a swap makes cached answers stale
    }
    String rerankerDir = System.getenv("RAGSTREAM_RERANKER_MODEL"); // optional: model.onnx + tokenizer.json
    if (rerankerDir != null && !rerankerDir.isBlank()) {
      searchBuilder.reranker(register(OnnxCrossEncoder.load(Path.of(rerankerDir))));
    }
    QueryExpanders.fromEnvironment(System.getenv()).ifPresent(searchBuilder::expander); // RAGSTREAM_LLM_*
    SearchService search = register(searchBuilder.build());
    query = register(new QueryHttpServer(config.httpPort(), search, searcher, this::isReady));
    query.answerer(Answerers.fromEnvironment(System.getenv(), search)); // RAGSTREAM_LLM_*, else extractive
    query.experiments(register(Experiments.fromEnvironment(System.getenv(), search))); // RAGSTREAM_EXPERIMENTS_FILE
    // QueryHttpServer and IngestHttpServer each warn when they run without API keys (open mode)
    register(Stages.operations(query, settings, metrics));
    query.start();
    DocumentPublisher publisher = register(new DocumentPublisher(settings, "ragstream-ingest-http"));
    ingest = register(new IngestHttpServer(config.ingestPort(), publisher, config.maxUploadBytes()));
    awaitChunkerRunning(Duration.ofSeconds(120));
  }

  private void startWorker(String name, Runnable worker) {
    Thread thread = Thread.ofPlatform().name("ragstream-" + name).unstarted(worker);
    thread.setUncaughtExceptionHandler((t, e) -> LOG.error("stage {} died", name, e));
    workers.add(thread);
    if (worker instanceof AutoCloseable closeable) {
      register(closeable);
    }
    thread.start();
  }

  private void awaitChunkerRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (chunker.state() != KafkaStreams.State.RUNNING) {
      if (chunker.state() == KafkaStreams.State.ERROR || System.nanoTime() > deadline) {
        throw new IllegalStateException("chunker did not reach RUNNING (state " + chunker.state() + ")");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting", e);
      }
    }
  }

  /** Ready: the chunker runs and every worker thread is alive. */
  public boolean isReady() {
    return chunker != null && chunker.state() == KafkaStreams.State.RUNNING
        && workers.stream().allMatch(Thread::isAlive);
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
    return query.port();
  }

  public int ingestPort() {
    return ingest.port();
  }

  /** The query server, e.g. for tests that give it API keys ({@link QueryHttpServer#apiKeys}) after start. */
  public QueryHttpServer queryServer() {
    return query;
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
