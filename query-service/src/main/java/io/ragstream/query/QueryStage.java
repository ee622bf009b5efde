package io.ragstream.query;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.query.answer.Answerers;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.query.cache.CacheInvalidator;
import io.ragstream.query.cache.QueryCache;
import io.ragstream.query.experiment.Experiments;
import io.ragstream.query.expand.QueryExpanders;
import io.ragstream.query.rerank.OnnxCrossEncoder;
import io.ragstream.query.status.ProgressJson;
import io.ragstream.query.status.StatusView;
import io.ragstream.query.ui.StatusPage;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.lag.ConsumerLagMonitor;
import io.ragstream.runtime.stage.CompositeStage;
import io.ragstream.runtime.stage.Health;
import io.ragstream.runtime.stage.StageHandle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query stage: the HTTP API over a store's searcher with everything its config asks for — the query cache (its
 * invalidator following the index events), the cross-encoder reranker, LLM answers and query expansion, A/B
 * experiments, API keys — and the operations pages (status page, overview, document progress). The same assembly
 * in every mode.
 */
public final class QueryStage {
  public static final String NAME = "query";
  /** How often services sample consumer lag for their gauges and the status page. */
  public static final Duration LAG_SAMPLE_INTERVAL = Duration.ofSeconds(2);
  private static final Logger LOG = LoggerFactory.getLogger(QueryStage.class);

  /**
   * What the stage reads: a searcher, the generation it serves now (part of every cache key, so a swap makes cached
   * answers stale), and the clients the stage closes with it.
   */
  public record Store(ChunkSearcher searcher, Supplier<String> generation, List<AutoCloseable> owned) {
    public Store {
      Objects.requireNonNull(searcher, "searcher");
      Objects.requireNonNull(generation, "generation");
      owned = List.copyOf(owned);
    }
  }

  private QueryStage() {}

  /** Starts the stage with its own query model. */
  public static StageHandle start(QueryConfig config, KafkaSettings kafka, MeterRegistry metrics, Store store) {
    return start(config, kafka, metrics, store, null, null);
  }

  /**
   * Starts the stage.
   *
   * @param sharedModel a query model the caller loaded and keeps owning (the embedded stack shares its chunker's);
   *     null: the stage loads its own
   * @param alsoReady further readiness the query API reports (the embedded stack: every other stage); null: none
   */
  public static StageHandle start(QueryConfig config, KafkaSettings kafka, MeterRegistry metrics, Store store,
      EmbeddingModel sharedModel, Health alsoReady) {
    CompositeStage stage = new CompositeStage(NAME);
    try {
      store.owned().forEach(stage::resource);
      EmbeddingModel model = sharedModel != null ? sharedModel
          : stage.resource(EmbeddingModels.load(config.modelId(), OnnxOptions.forQueries()));
      SearchService.Builder builder = SearchService.builder(store.searcher(), model).config(config.search())
          .registry(metrics);
      // the cache is positioned on the index events before serving, so no stale answer is served after a write
      Optional<QueryCache> cache = config.cache().open().map(stage::resource);
      if (cache.isPresent()) {
        stage.worker("cache-invalidator", new CacheInvalidator(kafka, cache.get(),
            CacheInvalidator.sharedGroup(kafka.topicPrefix())));
        builder.cache(cache.get(), store.generation());
      }
      if (config.rerankerModel() != null) {
        builder.reranker(stage.resource(OnnxCrossEncoder.load(config.rerankerModel())));
      }
      QueryExpanders.fromEnvironment(config.features()).ifPresent(builder::expander);
      SearchService search = stage.resource(builder.build());
      if (alsoReady != null) {
        stage.check(alsoReady);
      }
      QueryHttpServer server = stage.resource(new QueryHttpServer(config.port(), search, store.searcher(), stage));
      server.apiKeys(ApiKeys.fromEnvironment(config.features()));
      server.answerer(Answerers.fromEnvironment(config.features(), search)); // an LLM, else extractive
      server.experiments(stage.resource(Experiments.fromEnvironment(config.features(), search)));
      operations(stage, server, kafka, metrics);
      server.start();
      stage.httpPort(server.port());
      return stage;
    } catch (IOException e) {
      throw stage.closeAfterFailedStart(new UncheckedIOException("query stage did not start: " + e.getMessage(), e));
    } catch (RuntimeException | Error e) {
      throw stage.closeAfterFailedStart(e);
    }
  }

  /**
   * The operations pages: {@code GET /} (status page), {@code /v1/ops/overview} and the pipeline progress in
   * {@code GET /v1/documents/{docId}}.
   */
  private static void operations(CompositeStage stage, QueryHttpServer query, KafkaSettings kafka,
      MeterRegistry metrics) {
    stage.resource(operations(query, kafka, metrics, stage::check)); // a dead status view fails the stage
  }

  /**
   * The operations pages on {@code query}, for a query server assembled outside a stage (tests running a second,
   * keyed server beside a stack); the returned closeable stops the status view and the lag monitor.
   */
  public static AutoCloseable operations(QueryHttpServer query, KafkaSettings kafka, MeterRegistry metrics) {
    return operations(query, kafka, metrics, view -> { });
  }

  private static AutoCloseable operations(QueryHttpServer query, KafkaSettings kafka, MeterRegistry metrics,
      java.util.function.Consumer<Health> checks) {
    StatusView view = StatusView.start(kafka, kafka.topicPrefix() + "status-view");
    checks.accept(view);
    ConsumerLagMonitor lag;
    try {
      lag = ConsumerLagMonitor.start(kafka, metrics, LAG_SAMPLE_INTERVAL);
    } catch (RuntimeException e) {
      view.close();
      throw e;
    }
    query.routes(new StatusPage(view, lag)::register)
        .documentProgress((tenant, docId) -> view.get(tenant, docId).map(ProgressJson::of));
    return () -> {
      lag.close();
      view.close();
    };
  }
}
