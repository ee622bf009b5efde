package io.ragstream.launcher;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.qdrant.client.QdrantClient;
import io.ragstream.indexer.composite.CompositeSearcher;
import io.ragstream.indexer.elastic.ElasticClients;
import io.ragstream.indexer.elastic.ElasticGenerations;
import io.ragstream.indexer.elastic.ElasticSearcher;
import io.ragstream.indexer.elastic.ElasticSettings;
import io.ragstream.indexer.elastic.ElasticStore;
import io.ragstream.indexer.generation.GenerationCatalog;
import io.ragstream.indexer.generation.GenerationSwitchingSearcher;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.qdrant.QdrantClients;
import io.ragstream.indexer.qdrant.QdrantGenerations;
import io.ragstream.indexer.qdrant.QdrantSearcher;
import io.ragstream.indexer.qdrant.QdrantSettings;
import io.ragstream.indexer.qdrant.QdrantStore;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.ChunkStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import org.apache.lucene.util.IOUtils;

/**
 * Which stores a separately run indexer writes, a separately run query service reads, and {@code replay} and
 * {@code generations} work on. {@code lucene} is the embedded default; {@code elasticsearch} keeps keywords and
 * vectors in one Elasticsearch index per generation (BM25 and dense_vector kNN); {@code qdrant+elasticsearch} puts
 * vectors in Qdrant and keywords in Elasticsearch, each written by its own indexer worker (own consumer group, own
 * committed progress, following its own alias) and read through one composite searcher. Defaults come from the
 * environment, as docker-compose.yml and deploy/k8s set them.
 */
final class StoreOptions {
  static final String LUCENE = "lucene";
  static final String ELASTICSEARCH = "elasticsearch";
  static final String QDRANT_ELASTICSEARCH = "qdrant+elasticsearch";

  @Option(names = "--store", defaultValue = "${env:RAGSTREAM_STORE:-lucene}",
      description = "lucene | elasticsearch | qdrant+elasticsearch (env RAGSTREAM_STORE)")
  String store;

  @Option(names = "--qdrant-host", defaultValue = "${env:RAGSTREAM_QDRANT_HOST:-localhost}")
  String qdrantHost;

  @Option(names = "--qdrant-port", defaultValue = "${env:RAGSTREAM_QDRANT_PORT:-6334}")
  int qdrantPort;

  @Option(names = "--elasticsearch-url", defaultValue = "${env:RAGSTREAM_ELASTICSEARCH_URL:-http://localhost:9200}")
  String elasticsearchUrl;

  @Option(names = "--elasticsearch-analyzer",
      defaultValue = "${env:RAGSTREAM_ELASTICSEARCH_ANALYZER:-" + ElasticSettings.DEFAULT_ANALYZER + "}",
      description = "analyzer of the searched text fields of new Elasticsearch generations: standard (any"
          + " distribution) or e.g. english on a full one (env RAGSTREAM_ELASTICSEARCH_ANALYZER)")
  String elasticsearchAnalyzer;

  /** Opens the generation, creating it sized for {@code dimensionIfNew} if absent; an existing one keeps its own. */
  @FunctionalInterface
  interface Opener {
    ChunkStore open(String generation, int dimensionIfNew) throws IOException;
  }

  /** One store's generations: its catalog (list, served, swap, counts) and how to open one for writing. */
  record StoreGenerations(GenerationCatalog catalog, Opener opener) {
    String name() {
      return catalog.store();
    }

    ChunkStore open(String generation, int dimensionIfNew) throws IOException {
      return opener.open(generation, dimensionIfNew);
    }
  }

  /**
   * Points the store's alias at {@code generation} (created if needed) when it points nowhere yet: before the first
   * swap, Lucene's readers fall back to the configured generation, while Qdrant and Elasticsearch readers query the
   * alias, which must exist. Two indexers starting together may both try; the loser finds the alias set.
   */
  static void serveIfUnserved(StoreGenerations store, String generation, int dimension) throws IOException {
    GenerationCatalog catalog = store.catalog();
    if (catalog.current().isPresent()) {
      return;
    }
    store.open(generation, dimension).close(); // creates the generation (collection, index) the alias will name
    try {
      catalog.swap(generation);
    } catch (IOException | RuntimeException e) {
      if (catalog.current().isEmpty()) {
        throw e;
      }
    }
  }

  /** The chosen stores' generations, and the clients they share, closed with this. */
  record Opened(List<StoreGenerations> stores, List<Closeable> clients) implements Closeable {
    @Override
    public void close() throws IOException {
      IOUtils.close(clients); // every one closed; the first failure thrown, the others suppressed in it
    }
  }

  /**
   * The generations of the chosen stores, in the order they are written and swapped: Lucene alone, Elasticsearch
   * alone, or Qdrant then Elasticsearch. What {@code replay} builds into and what a remote-store indexer follows.
   */
  Opened generations(Path dataDir) {
    if (LUCENE.equals(validated())) {
      LuceneGenerations lucene = new LuceneGenerations(dataDir.resolve("index"));
      return new Opened(List.of(new StoreGenerations(lucene,
          (generation, dimension) -> LuceneStore.open(lucene.directory(generation), generation))), List.of());
    }
    if (ELASTICSEARCH.equals(store)) {
      ElasticSettings settings = elasticSettings();
      ElasticsearchClient elastic = ElasticClients.create(settings);
      // An existing index keeps its dimension: the generation a replay swapped in may hold another model.
      return new Opened(List.of(new StoreGenerations(new ElasticGenerations(elastic, settings),
          (generation, dimension) -> ElasticStore.openWithVectors(elastic, settings, generation, dimension))),
          List.of(elastic));
    }
    QdrantSettings qdrantSettings = qdrantSettings();
    ElasticSettings elasticSettings = elasticSettings();
    QdrantClient qdrant = QdrantClients.create(qdrantSettings);
    ElasticsearchClient elastic = ElasticClients.create(elasticSettings);
    QdrantGenerations vectors = new QdrantGenerations(qdrant, qdrantSettings);
    ElasticGenerations keywords = new ElasticGenerations(elastic, elasticSettings);
    return new Opened(List.of(
        // An existing collection keeps its dimension: the generation a replay swapped in may hold another model.
        new StoreGenerations(vectors, (generation, dimension) -> vectors.list().contains(generation)
            ? QdrantStore.openExisting(qdrant, qdrantSettings, generation)
            : QdrantStore.open(qdrant, qdrantSettings, generation, dimension)),
        new StoreGenerations(keywords, (generation, dimension) ->
            ElasticStore.open(elastic, elasticSettings, generation))),
        List.of(qdrant::close, elastic));
  }

  /** What a query process reads; {@code generation} is Lucene's until a swap moves the CURRENT pointer. */
  ChunkSearcher openSearcher(Path dataDir, String generation) throws IOException {
    return switch (validated()) {
      // follows the CURRENT pointer (a replay's swap), falling back to --generation before the first swap
      case LUCENE -> GenerationSwitchingSearcher.open(new LuceneGenerations(dataDir.resolve("index")), generation,
          Map.of(), LuceneReadOnlySearcher.DEFAULT_REFRESH_INTERVAL);
      // keywords and vectors from the alias, i.e. the served generation
      case ELASTICSEARCH -> new ElasticSearcher(elastic(), elasticSettings());
      default -> new CompositeSearcher(new ElasticSearcher(elastic(), elasticSettings()),
          new QdrantSearcher(qdrant(), qdrantSettings()));
    };
  }

  /** The chosen stores as the option spells them, for messages and the replay's consumer group. */
  String choice() {
    return validated();
  }

  boolean isLucene() {
    return LUCENE.equals(validated());
  }

  private String validated() {
    if (!LUCENE.equals(store) && !ELASTICSEARCH.equals(store) && !QDRANT_ELASTICSEARCH.equals(store)) {
      throw new IllegalArgumentException("--store must be " + LUCENE + ", " + ELASTICSEARCH + " or "
          + QDRANT_ELASTICSEARCH + ", got " + store);
    }
    return store;
  }

  private QdrantSettings qdrantSettings() {
    QdrantSettings s = QdrantSettings.local(qdrantHost, qdrantPort);
    String apiKey = System.getenv("RAGSTREAM_QDRANT_API_KEY"); // a secret: from the environment, never a flag
    boolean tls = Boolean.parseBoolean(System.getenv("RAGSTREAM_QDRANT_TLS"));
    return new QdrantSettings(s.host(), s.port(), tls, apiKey, s.alias(), s.distance(), s.upsertBatchSize(),
        s.timeout());
  }

  private ElasticSettings elasticSettings() {
    ElasticSettings s = ElasticSettings.local(elasticsearchUrl).withAnalyzer(elasticsearchAnalyzer);
    String apiKey = System.getenv("RAGSTREAM_ELASTICSEARCH_API_KEY"); // a secret: from the environment, never a flag
    return apiKey == null ? s : new ElasticSettings(s.url(), apiKey, s.alias(), s.refresh(), s.replicas(),
        s.maxAttempts(), s.initialBackoff(), s.analyzer());
  }

  private QdrantClient qdrant() {
    return QdrantClients.create(qdrantSettings());
  }

  private ElasticsearchClient elastic() {
    return ElasticClients.create(elasticSettings());
  }
}
