package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ingest API against a real broker: what it accepts is durable in Kafka; what it refuses is a JSON 4xx. */
class IngestHttpServerIT {
  private static final long MAX_BODY = 64 * 1024;

  @TempDir static Path dataDir;
  private static EmbeddedKafka kafka;
  private static DocumentPublisher publisher;
  private static IngestHttpServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(dataDir, 0);
    TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
        Duration.ofSeconds(30));
    publisher = new DocumentPublisher(new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX), "it");
    server = new IngestHttpServer(0, publisher, MAX_BODY);
  }

  @AfterAll
  static void stop() {
    server.close();
    publisher.close();
    kafka.close();
  }

  @Test
  void anUploadAndADeleteArePublishedAsIngestRequests() throws Exception {
    HttpResponse<String> upload = send("POST", "/v1/documents?id=doc%2F1&tenant=acme&name=a.txt",
        "hello world".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> delete = send("DELETE", "/v1/documents/doc%2F1?tenant=acme", null);

    assertThat(upload.statusCode()).isEqualTo(202);
    assertThat(json(upload).path("docId").asText()).isEqualTo("doc/1");
    assertThat(delete.statusCode()).isEqualTo(202);
    List<IngestRequest> requests = readIngest("doc/1", 2);
    assertThat(requests).extracting(IngestRequest::getDocId).containsExactly("doc/1", "doc/1");
    assertThat(requests).extracting(IngestRequest::getOperation).containsExactly(Operation.UPSERT, Operation.DELETE);
    assertThat(requests.getFirst().getTenant()).isEqualTo("acme");
    assertThat(requests.getFirst().getSourceName()).isEqualTo("a.txt");
    assertThat(StandardCharsets.UTF_8.decode(requests.getFirst().getContent()).toString()).isEqualTo("hello world");
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
      "POST, /v1/documents?bogus=1, 400",
      "POST, /v1/documents, 400",
      "GET, /v1/documents, 405",
      "PUT, /v1/documents/x, 405",
      "GET, /v1/nothing-here, 404",
      "POST, /v1/documents?id=%FF%FE, 400",
  })
  void badRequestsGetAJsonErrorAndNoStackTrace(String method, String path, int status) throws Exception {
    byte[] body = path.contains("bogus") || path.contains("%FF") ? new byte[] {1} : new byte[0];
    HttpResponse<String> response = send(method, path, "POST".equals(method) ? body : null);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(json(response).path("error").asText()).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void randomBinaryBodiesAndHugeParametersNeverCauseA5xx() throws Exception {
    Random random = new Random(11);
    for (int i = 0; i < 10; i++) {
      byte[] body = new byte[1 + random.nextInt(4096)];
      random.nextBytes(body);
      String id = "x".repeat(1 + random.nextInt(4000));
      HttpResponse<String> response = send("POST", "/v1/documents?id=" + id, body);
      assertThat(response.statusCode()).isBetween(200, 499);
    }
    HttpResponse<String> tooBig = send("POST", "/v1/documents?id=big", new byte[(int) MAX_BODY + 1]);
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(json(tooBig).path("error").asText()).contains(String.valueOf(MAX_BODY));
  }

  private static HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Content-Type", "text/plain");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(body));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return HttpJson.mapper().readTree(response.body());
  }

  private static List<IngestRequest> readIngest(String docId, int count) {
    var settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.consumer("it-read", "it-read", 100))) {
      consumer.subscribe(List.of(Topics.INGEST.name(Topics.DEFAULT_PREFIX)));
      List<IngestRequest> seen = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (seen.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          IngestRequest request = Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer()
              .deserialize(record.topic(), record.value());
          if (request.getDocId().equals(docId)) { // other tests of this class publish too
            seen.add(request);
          }
        }
      }
      return seen;
    }
  }
}
