package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ragstream.chunker.ChunkerStage;
import io.ragstream.chunker.ChunkerStageConfig;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.IndexerConfig;
import io.ragstream.indexer.IndexerStage;
import io.ragstream.indexer.generation.LuceneGenerations;
import io.ragstream.indexer.generation.LuceneWriters;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.runtime.stage.StageHttpServer;
import io.ragstream.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunker and the indexer started through their stage handles on the in-JVM broker, each behind the small
 * health server a stage process serves: {@code /ready} is 200 while the worker runs and 503 (with the reason) once
 * it died, and the handle reports the failure a stage process exits on.
 */
class StageHandlesIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  @TempDir Path dataDir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void readinessDropsWhenTheIndexerWorkerOrTheChunkerStreamsClientDies() throws Exception {
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), 0);
        EmbeddingModel model = EmbeddingModels.load(EmbeddingModels.ALL_MINILM_L6_V2.id())) {
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      TopicAdmin.ensureTopics(settings, (short) 1, Topics.ALL, Duration.ofSeconds(60));
      LuceneWriters writers = new LuceneWriters(new LuceneGenerations(dataDir.resolve("index")));
      try (StageHandle indexer = IndexerStage.start(IndexerConfig.defaults("it", "g1"), settings, metrics,
              new IndexerStage.Stores(List.of(new IndexerStage.Target("lucene", writers.followingPointer("g1"))),
                  null, List.of(writers)));
          StageHandle chunker = ChunkerStage.start(new ChunkerStageConfig("it", dataDir, (short) 1, model.id(),
              Map.of(), 0), settings, metrics, model);
          StageHttpServer indexerHttp = StageHttpServer.start(0, () -> indexer, metrics);
          StageHttpServer chunkerHttp = StageHttpServer.start(0, () -> chunker, metrics)) {
        await().atMost(PATIENCE).until(() -> status(indexerHttp, "/ready") == 200
            && status(chunkerHttp, "/ready") == 200);
        assertThat(status(indexerHttp, "/health")).isEqualTo(200);
        assertThat(body(chunkerHttp, "/metrics")).contains("kafka_stream");

        // the indexer's poll loop is interrupted: its consumer throws, the worker thread dies
        interruptThreads("ragstream-indexer");
        await().atMost(PATIENCE).until(() -> status(indexerHttp, "/ready") == 503);
        assertThat(body(indexerHttp, "/ready")).contains("indexer worker died");
        assertThat(status(indexerHttp, "/health")).isEqualTo(503);
        assertThat(indexer.failure()).isPresent();
        assertThat(status(chunkerHttp, "/ready")).isEqualTo(200); // one stage's death is its own

        // the chunker's source topic is deleted under it: Kafka Streams shuts the client down (KIP-662)
        try (Admin admin = Admin.create(settings.admin())) {
          admin.deleteTopics(List.of(Topics.DOCUMENTS.name(settings.topicPrefix()))).all().get();
        }
        await().atMost(PATIENCE).until(() -> status(chunkerHttp, "/ready") == 503);
        assertThat(body(chunkerHttp, "/ready")).contains("chunker");
        await().atMost(PATIENCE).until(() -> chunker.failure().isPresent());
        assertThat(status(chunkerHttp, "/health")).isEqualTo(503);
      }
    }
  }

  private static void interruptThreads(String name) {
    Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).forEach(Thread::interrupt);
  }

  private int status(StageHttpServer server, String path) throws Exception {
    return get(server, path).statusCode();
  }

  private String body(StageHttpServer server, String path) throws Exception {
    return get(server, path).body();
  }

  private HttpResponse<String> get(StageHttpServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
