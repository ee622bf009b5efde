package io.ragstream.launcher;

import io.micrometer.core.instrument.MeterRegistry;
import io.ragstream.chunker.ChunkerStage;
import io.ragstream.chunker.ChunkerStageConfig;
import io.ragstream.embedder.EmbedderStage;
import io.ragstream.embedder.EmbedderStageConfig;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.ModelSettings;
import io.ragstream.indexer.IndexTarget;
import io.ragstream.indexer.IndexerConfig;
import io.ragstream.indexer.IndexerStage;
import io.ragstream.indexer.generation.GenerationSwitchingSearcher;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.generation.LuceneWriters;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.ingest.ExtractConfig;
import io.ragstream.ingest.ExtractStage;
import io.ragstream.ingest.IngestConfig;
import io.ragstream.ingest.IngestStage;
import io.ragstream.query.QueryConfig;
import io.ragstream.query.QueryStage;
import io.ragstream.query.StatusConfig;
import io.ragstream.query.StatusStage;
import io.ragstream.runtime.config.CommonSettings;
import io.ragstream.runtime.config.Setting;
import io.ragstream.runtime.config.Settings;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.stage.StageHandle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stages a ragstream stack runs, in start order, with the settings each reads. The assembly of each stage is
 * its module's ({@code ExtractStage.start}, {@code ChunkerStage.start}, ...); this only maps a stage name to its
 * settings and its start call, for {@code stage}, {@code config} and the embedded stack.
 */
final class StageCatalog {
  static final List<String> NAMES = List.of(ExtractStage.NAME, ChunkerStage.NAME, EmbedderStage.NAME,
      IndexerStage.NAME, StatusStage.NAME, QueryStage.NAME, IngestStage.NAME);

  private StageCatalog() {}

  /** Every setting {@code stage NAME} reads. */
  static List<Setting> settings(String stage) {
    return switch (stage) {
      case ExtractStage.NAME -> ExtractConfig.ALL;
      case ChunkerStage.NAME -> ChunkerStageConfig.ALL;
      case EmbedderStage.NAME -> EmbedderStageConfig.ALL;
      case IndexerStage.NAME -> concat(IndexerConfig.ALL, StoreSettings.ALL);
      case StatusStage.NAME -> StatusConfig.ALL;
      case QueryStage.NAME -> concat(QueryConfig.ALL, StoreSettings.ALL);
      case IngestStage.NAME -> IngestConfig.ALL;
      default -> throw new IllegalArgumentException("unknown stage '" + stage + "': "
          + String.join(", ", NAMES));
    };
  }

  /** Every setting of every stage, each once. */
  static List<Setting> allSettings() {
    Map<String, Setting> all = new LinkedHashMap<>();
    for (String stage : NAMES) {
      settings(stage).forEach(s -> all.putIfAbsent(s.key(), s));
    }
    return List.copyOf(all.values());
  }

  /** Refuses a {@code RAGSTREAM_*} variable no stage declares (a typo would otherwise be ignored). */
  static void rejectUnknownVariables(Map<String, String> env) {
    Settings.rejectUnknownVariables(env, allSettings(), CommonSettings.OTHER_VARIABLES);
  }

  /** The stage's settings from {@code flags} (by key), then {@code env}, then defaults, validated. */
  static Settings resolve(String stage, Map<String, String> flags, Map<String, String> env) {
    Settings settings = Settings.resolve(settings(stage), flags, env);
    config(stage, settings, env); // builds the typed config: cross-field rules and model ids are checked too
    return settings;
  }

  /** The stage's typed config (a record, or for indexer/query the pair with its store choice). */
  static Object config(String stage, Settings settings, Map<String, String> env) {
    return switch (stage) {
      case ExtractStage.NAME -> ExtractConfig.from(settings, env);
      case ChunkerStage.NAME -> ChunkerStageConfig.from(settings, env);
      case EmbedderStage.NAME -> EmbedderStageConfig.from(settings, env);
      case IndexerStage.NAME -> IndexerConfig.from(settings, env);
      case StatusStage.NAME -> StatusConfig.from(settings, env);
      case QueryStage.NAME -> QueryConfig.from(settings);
      case IngestStage.NAME -> IngestConfig.from(settings);
      default -> throw new IllegalArgumentException("unknown stage '" + stage + "'");
    };
  }

  /** Starts {@code stage NAME} as its own process runs it. */
  static StageHandle start(String stage, Settings settings, Map<String, String> env, KafkaSettings kafka,
      MeterRegistry metrics, StoreOptions stores) throws IOException {
    // only the indexer and query declare a data directory (ingest has none): read it there
    return switch (stage) {
      case ExtractStage.NAME -> ExtractStage.start(ExtractConfig.from(settings, env), kafka, metrics);
      case ChunkerStage.NAME -> ChunkerStage.start(ChunkerStageConfig.from(settings, env), kafka, metrics);
      case EmbedderStage.NAME -> EmbedderStage.start(EmbedderStageConfig.from(settings, env), kafka, metrics);
      case IndexerStage.NAME -> {
        IndexerConfig config = IndexerConfig.from(settings, env);
        yield IndexerStage.start(config, kafka, metrics, indexerStores(stores,
            settings.path(CommonSettings.DATA_DIR), config.generation(),
            settings.string(ModelSettings.MODEL)));
      }
      case StatusStage.NAME -> StatusStage.start(StatusConfig.from(settings, env), kafka, metrics);
      case QueryStage.NAME -> {
        String generation = settings.string(IndexerConfig.GENERATION);
        ChunkSearcher searcher = stores.openSearcher(settings.path(CommonSettings.DATA_DIR), generation);
        List<AutoCloseable> owned = searcher instanceof AutoCloseable c ? List.of(c) : List.of();
        // Lucene follows the CURRENT pointer; the Qdrant/Elasticsearch aliases are followed by the stores
        // themselves, and their cached answers end with their TTL or the next index event
        QueryStage.Store store = new QueryStage.Store(searcher,
            searcher instanceof GenerationSwitchingSearcher g ? g::currentGeneration : () -> generation, owned);
        yield QueryStage.start(QueryConfig.from(settings), kafka, metrics, store);
      }
      case IngestStage.NAME -> IngestStage.start(IngestConfig.from(settings), kafka, metrics);
      default -> throw new IllegalArgumentException("unknown stage '" + stage + "'");
    };
  }

  /**
   * What a separately run indexer writes: Lucene following its generation pointer, or one target per store
   * following its alias (each store's alias is pointed at {@code generation} first when it points nowhere yet).
   */
  static IndexerStage.Stores indexerStores(StoreOptions stores, Path dataDir, String generation, String modelId)
      throws IOException {
    ModelReembedder reembedder = new ModelReembedder(); // Qdrant and Lucene only: Elasticsearch holds no vectors
    if (stores.isLucene()) {
      LuceneWriters writers = new LuceneWriters(new LuceneGenerations(dataDir.resolve("index")));
      return new IndexerStage.Stores(List.of(new IndexerStage.Target("lucene", writers.followingPointer(generation))),
          reembedder, List.of(writers, reembedder));
    }
    StoreOptions.Opened opened = stores.generations(dataDir);
    int dimension = EmbeddingModels.spec(modelId).dimension();
    try {
      for (StoreOptions.StoreGenerations store : opened.stores()) {
        StoreOptions.serveIfUnserved(store, generation, dimension);
      }
    } catch (IOException | RuntimeException e) {
      reembedder.close();
      opened.close();
      throw e;
    }
    List<IndexerStage.Target> targets = new ArrayList<>();
    for (StoreOptions.StoreGenerations store : opened.stores()) {
      targets.add(new IndexerStage.Target(store.name(),
          IndexTarget.following(store.catalog(), generation, g -> store.open(g, dimension))));
    }
    return new IndexerStage.Stores(targets, reembedder, List.of(opened, reembedder));
  }

  private static List<Setting> concat(List<Setting> a, List<Setting> b) {
    Map<String, Setting> all = new LinkedHashMap<>();
    a.forEach(s -> all.putIfAbsent(s.key(), s));
    b.forEach(s -> all.putIfAbsent(s.key(), s));
    return List.copyOf(all.values());
  }
}
