package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.chunker.ChunkerStage;
import io.ragstream.chunker.ChunkerStageConfig;
import io.ragstream.ingest.ExtractConfig;
import io.ragstream.ingest.ExtractStage;
import io.ragstream.runtime.stage.StageHandle;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.query.QueryHttpServer;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchService;
import io.ragstream.query.answer.Answerers;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs stages, Kafka clients, Kafka Streams and the answer endpoint with secret-bearing settings (a SASL JAAS
 * password, TLS store passwords, an LLM API key) while capturing every log line, including a document that fails
 * and an LLM that refuses the key; no secret may appear in a log line or an HTTP body, and each secret still reaches
 * the place it is meant for.
 */
class SecretsIT {
  private static final Logger LOG = LoggerFactory.getLogger(SecretsIT.class);
  private static final String KAFKA_PASSWORD = "kafka-pw-7f3a9c1e55d2";
  private static final String TRUSTSTORE_PASSWORD = "truststore-pw-c0ffee4242";
  private static final String KEY_PASSWORD = "key-pw-deadbeef0909";
  private static final String LLM_KEY = "sk-live-4c9e2b7a1d8f6e3c5b0a9d7e";
  private static final List<String> SECRETS = List.of(KAFKA_PASSWORD, TRUSTSTORE_PASSWORD, KEY_PASSWORD, LLM_KEY);

  @TempDir Path dataDir;

  @Test
  void noSecretAppearsInLogsOrHttpBodiesWhileStagesRunAndFail() throws Exception {
    AtomicReference<String> authorization = new AtomicReference<>();
    HttpServer llm = fakeLlmRejectingTheKey(authorization, false);
    MeterRegistry metrics = new SimpleMeterRegistry();
    String answerBody;
    String logs;
    try (LogCapture capture = new LogCapture(Level.INFO);
        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0);
        EmbeddingModel model = EmbeddingModels.load(EmbeddingModels.ALL_MINILM_L6_V2.id());
        LuceneStore store = LuceneStore.open(dataDir.resolve("index"), "g1")) {
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, Map.of(
          "security.protocol", "PLAINTEXT",
          "sasl.mechanism", "PLAIN",
          "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\""
              + " password=\"" + KAFKA_PASSWORD + "\";",
          "ssl.truststore.password", TRUSTSTORE_PASSWORD,
          "ssl.key.password", KEY_PASSWORD));
      LOG.info("starting stages with {}", settings); // what an operator's start-up log line would show
      TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
          Duration.ofSeconds(60));
      ExtractConfig extractConfig = ExtractConfig.defaults("0");
      try (StageHandle extract = ExtractStage.start(new ExtractConfig("0", extractConfig.limits(),
              extractConfig.maxPollRecords(), 256, 0), settings, metrics);
          StageHandle chunker = ChunkerStage.start(new ChunkerStageConfig("0", dataDir, (short) 1, model.id(),
              Map.of(), 0), settings, metrics, model);
          DocumentPublisher publisher = new DocumentPublisher(settings, "secrets-it");
          SearchService search = SearchService.builder(store, model).config(SearchConfig.defaults())
              .registry(metrics).build();
          QueryHttpServer query = new QueryHttpServer(0, search, store, () -> true)) {
        query.answerer(Answerers.fromEnvironment(Map.of("RAGSTREAM_LLM_BASE_URL",
            "http://127.0.0.1:" + llm.getAddress().getPort() + "/v1", "RAGSTREAM_LLM_MODEL", "gpt-test",
            "RAGSTREAM_LLM_API_KEY", LLM_KEY), search));
        query.start();

        byte[] garbage = new byte[2048];
        new Random(1).nextBytes(garbage);
        publisher.publish("broken", "default", null, "broken.pdf", garbage, Map.of());
        publisher.publish("fine", "default", "text/plain", "fine.txt",
            "A perfectly ordinary document about sourdough.".getBytes(StandardCharsets.UTF_8), Map.of());
        await().atMost(Duration.ofSeconds(120)).until(() -> ConsumerLag.read(settings).stream()
            .filter(r -> r.group().endsWith("extract") || r.group().endsWith("chunker"))
            .allMatch(r -> r.lag() == 0) && metrics.find("ragstream.stage.records.dlq").counters().stream()
            .mapToDouble(c -> c.count()).sum() >= 1);

        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + query.port() + "/v1/answer"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"sourdough\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
        answerBody = answer.statusCode() + " " + answer.body();
      }
      logs = capture.text();
    } finally {
      llm.stop(0);
    }

    assertThat(authorization.get()).as("the key still reaches the LLM").isEqualTo("Bearer " + LLM_KEY);
    assertThat(logs).as("the capture saw the Kafka client configuration dumps")
        .contains("sasl.jaas.config = [hidden]", "ssl.truststore.password = [hidden]");
    for (String secret : SECRETS) {
      assertThat(logs).as("logs").doesNotContain(secret);
      assertThat(answerBody).as("answer body").doesNotContain(secret);
    }
    System.out.printf("secrets: %d log lines scanned, %d secrets, 0 leaks%n", logs.lines().count(), SECRETS.size());
  }

  @Test
  void anLlmThatEchoesTheRefusedKeyDoesNotPutItInOurLogs() throws Exception {
    HttpServer llm = fakeLlmRejectingTheKey(new AtomicReference<>(), true);
    String logs;
    try (LogCapture capture = new LogCapture(Level.INFO);
        EmbeddingModel model = EmbeddingModels.load(EmbeddingModels.ALL_MINILM_L6_V2.id());
        LuceneStore store = LuceneStore.open(dataDir.resolve("index"), "g1");
        SearchService search = SearchService.builder(store, model).config(SearchConfig.defaults())
            .registry(new SimpleMeterRegistry()).build();
        QueryHttpServer query = new QueryHttpServer(0, search, store, () -> true)) {
      query.answerer(Answerers.fromEnvironment(Map.of("RAGSTREAM_LLM_BASE_URL",
          "http://127.0.0.1:" + llm.getAddress().getPort() + "/v1", "RAGSTREAM_LLM_MODEL", "gpt-test",
          "RAGSTREAM_LLM_API_KEY", LLM_KEY), search));
      query.start();
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + query.port() + "/v1/answer"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"sourdough\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(answer.body()).doesNotContain(LLM_KEY);
      logs = capture.text();
    } finally {
      llm.stop(0);
    }
    assertThat(logs).contains("Incorrect API key").doesNotContain(LLM_KEY);
  }

  /**
   * An OpenAI-compatible endpoint that refuses the key: naming only a masked form of it as OpenAI does, or, with
   * {@code echo}, the whole key as some gateways do.
   */
  private static HttpServer fakeLlmRejectingTheKey(AtomicReference<String> authorization, boolean echo)
      throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/chat/completions", exchange -> {
      authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      exchange.getRequestBody().readAllBytes();
      String masked = echo ? LLM_KEY : LLM_KEY.substring(0, 7) + "***" + LLM_KEY.substring(LLM_KEY.length() - 4);
      byte[] body = ("{\"error\": {\"message\": \"Incorrect API key provided: " + masked + "\"}}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(401, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }
}
