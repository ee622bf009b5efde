package io.ragstream.launcher;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.qdrant.client.QdrantClient;
import io.ragstream.indexer.composite.CompositeSearcher;
import io.ragstream.indexer.elastic.ElasticClients;
import io.ragstream.indexer.elastic.ElasticSearcher;
import io.ragstream.indexer.elastic.ElasticSettings;
import io.ragstream.indexer.elastic.ElasticStore;
import io.ragstream.indexer.generation.GenerationSwitchingSearcher;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.indexer.qdrant.QdrantClients;
import io.ragstream.indexer.qdrant.QdrantSearcher;
import io.ragstream.indexer.qdrant.QdrantSettings;
import io.ragstream.indexer.qdrant.QdrantStore;
import io.ragstream.indexer.store.ChunkSearcher;
import io.ragstream.indexer.store.ChunkStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Which stores a separately run indexer writes and a separately run query service reads. {@code lucene} is the
 * embedded default; {@code qdrant+elasticsearch} puts vectors in Qdrant and keywords in Elasticsearch, each written
 * by its own indexer worker (own consumer group, own committed progress) and read through one composite searcher.
 * Defaults come from the environment, as docker-compose.yml and deploy/k8s set them.
 */
final class StoreOptions {
  static final String LUCENE = "lucene";
  static final String QDRANT_ELASTICSEARCH = "qdrant+elasticsearch";

  @Option(names = "--store", defaultValue = "${env:RAGSTREAM_STORE:-lucene}",
      description = "lucene | qdrant+elasticsearch (env RAGSTREAM_STORE)")
  String store;

  @Option(names = "--qdrant-host", defaultValue = "${env:RAGSTREAM_QDRANT_HOST:-localhost}")
  String qdrantHost;

  @Option(names = "--qdrant-port", defaultValue = "${env:RAGSTREAM_QDRANT_PORT:-6334}")
  int qdrantPort;

  @Option(names = "--elasticsearch-url", defaultValue = "${env:RAGSTREAM_ELASTICSEARCH_URL:-http://localhost:9200}")
  String elasticsearchUrl;

  @Option(names = "--generation", defaultValue = "g1", description = "index generation to write and read (lucene: until a swap moves the CURRENT pointer, which both follow)")
  String generation;

  /** The stores an indexer process writes, one worker each. */
  List<ChunkStore> openStores(Path dataDir, int dimension) throws IOException {
    return switch (validated()) {
      case LUCENE -> List.of(LuceneStore.open(dataDir.resolve("index").resolve(generation), generation));
      default -> List.of(
          QdrantStore.open(qdrant(), qdrantSettings(), generation, dimension),
          ElasticStore.open(elastic(), elasticSettings(), generation));
    };
  }

  /** What a query process reads. */
  ChunkSearcher openSearcher(Path dataDir) throws IOException {
    return switch (validated()) {
      // follows the CURRENT pointer (a replay's swap), falling back to --generation before the first swap
      case LUCENE -> GenerationSwitchingSearcher.open(new LuceneGenerations(dataDir.resolve("index")), generation,
          Map.of(), LuceneReadOnlySearcher.DEFAULT_REFRESH_INTERVAL);
      default -> new CompositeSearcher(new ElasticSearcher(elastic(), elasticSettings()),
          new QdrantSearcher(qdrant(), qdrantSettings()));
    };
  }

  boolean isLucene() {
    return LUCENE.equals(validated());
  }

  private String validated() {
    if (!LUCENE.equals(store) && !QDRANT_ELASTICSEARCH.equals(store)) {
      throw new IllegalArgumentException("--store must be " + LUCENE + " or " + QDRANT_ELASTICSEARCH + ", got " + store);
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
    ElasticSettings s = ElasticSettings.local(elasticsearchUrl);
    String apiKey = System.getenv("RAGSTREAM_ELASTICSEARCH_API_KEY"); // a secret: from the environment, never a flag
    return apiKey == null ? s : new ElasticSettings(s.url(), apiKey, s.alias(), s.refresh(), s.replicas(),
        s.maxAttempts(), s.initialBackoff());
  }

  private QdrantClient qdrant() {
    return QdrantClients.create(qdrantSettings());
  }

  private ElasticsearchClient elastic() {
    return ElasticClients.create(elasticSettings());
  }
}
