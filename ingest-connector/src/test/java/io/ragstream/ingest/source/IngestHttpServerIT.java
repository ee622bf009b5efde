package io.ragstream.ingest.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.runtime.auth.ApiKeys;
import io.ragstream.runtime.auth.BrowserGuard;
import io.ragstream.runtime.http.HttpJson;
import io.ragstream.runtime.kafka.EmbeddedKafkaExtension;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ingest API against a real broker: what it accepts is durable in Kafka; what it refuses is a JSON 4xx. */
class IngestHttpServerIT {
  private static final long MAX_BODY = 64 * 1024;

  @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
  private static DocumentPublisher publisher;
  private static IngestHttpServer server;
  private static IngestHttpServer keyed;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    TopicAdmin.ensureTopics(KAFKA.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
        Duration.ofSeconds(30));
    publisher = new DocumentPublisher(new KafkaSettings(KAFKA.bootstrapServers(), Topics.DEFAULT_PREFIX), "it");
    server = new IngestHttpServer(0, publisher, MAX_BODY, ApiKeys.open(), BrowserGuard.allowing(Set.of()));
    keyed = new IngestHttpServer(0, publisher, MAX_BODY,
        ApiKeys.fromEnvironment(Map.of(ApiKeys.KEYS_ENV, "acme-key=acme,globex-key=globex|group:eng")),
        BrowserGuard.allowing(Set.of()));
  }

  @AfterAll
  static void stop() {
    server.close();
    keyed.close();
    publisher.close();
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
    assertThat(liveMarks("doc/1")).as("an upload is in the live lane (a delete is not)").containsExactly(true, false);
  }

  /** Whether each ingest record of {@code docId} carries the live lane's mark, in order. */
  private static List<Boolean> liveMarks(String docId) {
    return ingestRecords(docId).stream().map(r -> io.ragstream.schemas.Priority.isLive(r.headers())).toList();
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

  @Test
  void withKeysEveryWriteNeedsAKeyAndTheTenantIsTheKeys() throws Exception {
    byte[] body = "secret plan".getBytes(StandardCharsets.UTF_8);
    List<HttpResponse<String>> refused = List.of(
        sendTo(keyed, "POST", "/v1/documents?id=keyed-1&tenant=acme", body),
        sendTo(keyed, "POST", "/v1/documents?id=keyed-1", body, "Authorization", "Bearer wrong"),
        sendTo(keyed, "POST", "/v1/documents?id=keyed-1", body, "X-API-Key", ""),
        sendTo(keyed, "DELETE", "/v1/documents/keyed-1?tenant=acme", null),
        sendTo(keyed, "GET", "/v1/documents", null));
    for (HttpResponse<String> response : refused) {
      assertThat(response.statusCode()).as(response.request().method() + " " + response.body()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> v.startsWith("Bearer"));
      assertThat(json(response).path("error").asText()).contains("API key");
    }
    HttpResponse<String> otherTenant = sendTo(keyed, "POST", "/v1/documents?id=keyed-1&tenant=globex", body,
        "Authorization", "Bearer acme-key");
    assertThat(otherTenant.statusCode()).isEqualTo(403);
    HttpResponse<String> otherDelete = sendTo(keyed, "DELETE", "/v1/documents/keyed-1?tenant=globex", null,
        "Authorization", "Bearer acme-key");
    assertThat(otherDelete.statusCode()).isEqualTo(403);
    HttpResponse<String> emptyTenant = sendTo(keyed, "POST", "/v1/documents?id=keyed-1&tenant=", body,
        "Authorization", "Bearer acme-key");
    assertThat(emptyTenant.statusCode()).isEqualTo(400);
    assertThat(sendTo(keyed, "GET", "/health", null).statusCode()).isEqualTo(200);

    HttpResponse<String> own = sendTo(keyed, "POST", "/v1/documents?id=keyed-1", body,
        "Authorization", "Bearer acme-key");
    HttpResponse<String> named = sendTo(keyed, "DELETE", "/v1/documents/keyed-1?tenant=acme", null,
        "X-API-Key", "acme-key");
    assertThat(own.statusCode()).isEqualTo(202);
    assertThat(json(own).path("tenant").asText()).isEqualTo("acme");
    assertThat(named.statusCode()).isEqualTo(202);
    // exactly the two accepted requests reached Kafka, both in the key's tenant
    List<IngestRequest> published = readIngest("keyed-1", 3);
    assertThat(published).extracting(IngestRequest::getOperation).containsExactly(Operation.UPSERT, Operation.DELETE);
    assertThat(published).extracting(IngestRequest::getTenant).containsOnly("acme");
  }

  @Test
  void openModeRefusesEmptyTenantsCrossOriginWritesAndForeignHostNames() throws Exception {
    byte[] body = "x".getBytes(StandardCharsets.UTF_8);
    assertThat(send("POST", "/v1/documents?id=open-1&tenant=", body).statusCode()).isEqualTo(400);
    assertThat(send("POST", "/v1/documents?id=open-1&tenant=a%0Ab", body).statusCode()).isEqualTo(400);
    for (String[] header : new String[][] {{"Origin", "http://evil.example"}, {"Origin", "null"},
        {"Sec-Fetch-Site", "cross-site"}, {"Origin", "http://127.0.0.1:1"}}) {
      HttpResponse<String> response = sendTo(server, "POST", "/v1/documents?id=open-1", body, header);
      assertThat(response.statusCode()).as(String.join(": ", header)).isEqualTo(403);
      assertThat(json(response).path("error").asText()).contains("cross-origin");
      assertThat(sendTo(server, "DELETE", "/v1/documents/open-1", null, header).statusCode()).isEqualTo(403);
    }
    // the same origin (a page served by this port) and non-browser clients are served
    assertThat(sendTo(server, "POST", "/v1/documents?id=open-2", body, "Origin",
        "http://127.0.0.1:" + server.port(), "Sec-Fetch-Site", "same-origin").statusCode()).isEqualTo(202);
    assertThat(readIngest("open-1", 1)).isEmpty();

    // DNS rebinding: a page of evil.example rebound to 127.0.0.1 still sends its own Host name
    assertThat(rawStatus(server.port(), "POST /v1/documents?id=open-3 HTTP/1.1", "Host: evil.example:" + server.port()))
        .isEqualTo(403);
    assertThat(rawStatus(server.port(), "GET /health HTTP/1.1", "Host: evil.example")).isEqualTo(200);
    assertThat(rawStatus(server.port(), "POST /v1/documents?id=open-3 HTTP/1.1", "Host: localhost:" + server.port()))
        .isEqualTo(202);
  }

  @Test
  void everyResponseCarriesTheSecurityHeaders() throws Exception {
    for (HttpResponse<String> response : List.of(send("POST", "/v1/documents?id=h-1", new byte[] {'x'}),
        send("POST", "/v1/documents?bogus=1", new byte[] {'x'}), send("GET", "/nowhere", null),
        sendTo(keyed, "POST", "/v1/documents", new byte[] {'x'}), send("GET", "/health", null))) {
      assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          v -> assertThat(v).startsWith("application/json"));
    }
  }

  @Test
  void metadataComesFromMetaParametersWithinBounds() throws Exception {
    HttpResponse<String> ok = send("POST", "/v1/documents?id=meta-1&meta.team=red&meta.project_code=x-1",
        "body".getBytes(StandardCharsets.UTF_8));
    assertThat(ok.statusCode()).isEqualTo(202);
    assertThat(readIngest("meta-1", 1).getFirst().getMetadata()).containsExactlyInAnyOrderEntriesOf(
        Map.of("team", "red", "project_code", "x-1"));

    StringBuilder many = new StringBuilder("/v1/documents?id=meta-2");
    for (int i = 0; i < 33; i++) {
      many.append("&meta.k").append(i).append("=v");
    }
    for (String path : List.of(many.toString(), "/v1/documents?id=meta-2&meta.team=a&meta.team=b",
        "/v1/documents?id=meta-2&meta.bad%20key=v", "/v1/documents?id=meta-2&meta.a.b=v", "/v1/documents?id=meta-2&meta.k=" + "v".repeat(1025),
        "/v1/documents?id=meta-2&meta.k=a%00b", "/v1/documents?id=" + "x".repeat(513),
        "/v1/documents?id=a%0Aforged", "/v1/documents?id=m&name=" + "n".repeat(1025))) {
      HttpResponse<String> response = send("POST", path, "body".getBytes(StandardCharsets.UTF_8));
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(json(response).path("error").asText()).isNotBlank();
    }
    assertThat(send("DELETE", "/v1/documents/" + "x".repeat(513), null).statusCode()).isEqualTo(400);
    assertThat(readIngest("meta-2", 1)).isEmpty();
  }

  @Test
  void repeatableAclParametersBecomeTheRequestsAclWithinBounds() throws Exception {
    HttpResponse<String> ok = send("POST", "/v1/documents?id=acl-1&acl=group:eng&acl=user:ann&acl=group:eng",
        "body".getBytes(StandardCharsets.UTF_8));
    assertThat(ok.statusCode()).isEqualTo(202);
    assertThat(json(ok).path("acl").toString()).isEqualTo("[\"group:eng\",\"user:ann\"]");
    assertThat(readIngest("acl-1", 1).getFirst().getAcl()).containsExactly("group:eng", "user:ann");
    assertThat(send("POST", "/v1/documents?id=acl-0", "body".getBytes(StandardCharsets.UTF_8)).statusCode())
        .isEqualTo(202);
    assertThat(readIngest("acl-0", 1).getFirst().getAcl()).as("no ACL: the whole tenant").isEmpty();

    StringBuilder many = new StringBuilder("/v1/documents?id=acl-2");
    for (int i = 0; i < 65; i++) {
      many.append("&acl=p").append(i);
    }
    for (String path : List.of(many.toString(), "/v1/documents?id=acl-2&acl=", "/v1/documents?id=acl-2&acl=a%20b",
        "/v1/documents?id=acl-2&acl=a%7Cb", "/v1/documents?id=acl-2&acl=a,b", "/v1/documents?id=acl-2&acl=a%00b",
        "/v1/documents?id=acl-2&acl=" + "p".repeat(129))) {
      HttpResponse<String> response = send("POST", path, "body".getBytes(StandardCharsets.UTF_8));
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(json(response).path("error").asText()).isNotBlank();
    }
    assertThat(readIngest("acl-2", 1)).isEmpty();
  }

  private static HttpResponse<String> send(String method, String path, byte[] body) throws Exception {
    return sendTo(server, method, path, body);
  }

  private static HttpResponse<String> sendTo(IngestHttpServer target, String method, String path, byte[] body,
      String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + path))
        .header("Content-Type", "text/plain");
    if (headers.length > 0) {
      request.headers(headers);
    }
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(body));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of a request written by hand: HttpClient does not let a caller set Host. */
  private static int rawStatus(int port, String requestLine, String hostHeader) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      String request = requestLine + "\r\n" + hostHeader + "\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n"
          + "Connection: close\r\n\r\nx";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return HttpJson.mapper().readTree(response.body());
  }

  /**
   * Every request of {@code docId} on the ingest topic, read to its current end: the server answers only once a
   * request is acknowledged, so what was accepted is there and what was refused never will be.
   */
  private static List<IngestRequest> readIngest(String docId, int expectedAtMost) {
    List<IngestRequest> seen = ingestRecords(docId).stream().map(IngestHttpServerIT::decode).toList();
    assertThat(seen.size()).as("requests of %s", docId).isLessThanOrEqualTo(expectedAtMost);
    return seen;
  }

  /** The ingest topic's records of {@code docId}, in order, read to the topic's current end. */
  private static List<ConsumerRecord<byte[], byte[]>> ingestRecords(String docId) {
    var props = new KafkaSettings(KAFKA.bootstrapServers(), Topics.DEFAULT_PREFIX).consumer("it-read", "it-read", 100);
    props.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      String topic = Topics.INGEST.name(Topics.DEFAULT_PREFIX);
      List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      var ends = consumer.endOffsets(partitions);
      List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (decode(record).getDocId().equals(docId)) { // other tests of this class publish too
            seen.add(record);
          }
        }
      }
      return seen;
    }
  }

  private static IngestRequest decode(ConsumerRecord<byte[], byte[]> record) {
    return Topics.INGEST.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer().deserialize(record.topic(),
        record.value());
  }
}
