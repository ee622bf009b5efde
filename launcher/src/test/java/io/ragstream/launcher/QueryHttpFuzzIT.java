package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.http.HttpJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every route of the query service (search GET and POST, answer, feedback, experiments, documents, health, ready,
 * metrics, OpenAPI, the status page) under malformed and hostile requests on the real stack: the answer is never a
 * 5xx, every 4xx is a JSON {@code {"error"}}, and no body carries a stack trace. Inputs come from a seeded
 * generator, so a failure replays.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryHttpFuzzIT {
  private static final long SEED = 8;
  private static final int RANDOM_CASES = 400;

  @RegisterExtension
  static final EmbeddedStackExtension STACK = new EmbeddedStackExtension();

  private EmbeddedStack stack;
  private final List<String> failures = new ArrayList<>();
  private int fiveHundreds;
  private int sent;

  @BeforeAll
  void start() throws Exception {
    stack = STACK.stack();
    try (DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "fuzz-it")) {
      publisher.publish("fuzz-doc", "default", "text/plain", "fuzz.txt",
          "Glaciers carve fjords over thousands of years.".getBytes(StandardCharsets.UTF_8), Map.of());
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> RawHttp.send(stack.httpPort(), "GET",
        ascii("/v1/documents/fuzz-doc"), null, null).status() == 200);
  }

  @BeforeEach
  void resetTally() {
    failures.clear();
    fiveHundreds = 0;
    sent = 0;
  }

  @Test
  void handPickedHostileRequestsGetTheRightClientError() throws Exception {
    expect(400, "GET", "/v1/search?q=fjords&k=abc", null);
    expect(400, "GET", "/v1/search?q=fjords&k=-1", null);
    expect(400, "GET", "/v1/search?q=fjords&k=99999999999999999999", null);
    expect(400, "GET", "/v1/search?q=fjords&mode=telepathy", null);
    expect(400, "GET", "/v1/search?q=fjords&bogus=1", null);
    expect(400, "GET", "/v1/search?q=fjords&tenant=", null);
    expect(400, "GET", "/v1/search?q=%ZZ", null);
    expect(400, "GET", "/v1/search", null);
    expect(400, "POST", "/v1/search", "{\"query\": ");
    expect(400, "POST", "/v1/search", "{\"query\": 42, \"k\": \"ten\"}");
    expect(400, "POST", "/v1/search", "{\"query\": \"fjords\", \"filter\": [1, 2]}");
    expect(400, "POST", "/v1/search", "{\"query\": \"fjords\", \"k\": 1e300}");
    expect(400, "POST", "/v1/search", "{\"query\": \"fjords\", \"unknown\": true}");
    expect(400, "POST", "/v1/search", "[".repeat(100_000));
    expect(400, "POST", "/v1/search", "");
    expect(400, "POST", "/v1/answer", "{\"query\": null}");
    expect(400, "POST", "/v1/answer", "{\"query\": \"fjords\", \"tenant\": \"\"}");
    expect(400, "GET", "/v1/documents/fuzz-doc?tenant=", null);
    expect(404, "GET", "/v1/documents/no-such-document", null);
    expect(404, "GET", "/v2/anything", null);
    expect(405, "DELETE", "/v1/search", null);
    expect(413, "POST", "/v1/search", "{\"query\": \"" + "x".repeat(3 * 1024 * 1024) + "\"}");
    assertThat(failures).isEmpty();
  }

  @Test
  void hugeParametersAndInvalidUtf8NeverCauseAServerError() throws Exception {
    check("GET", ascii("/v1/search?q=" + "fjord+".repeat(5_000)), null, null);
    check("GET", ascii("/v1/search?q=" + "a".repeat(60_000)), null, null);
    check("GET", ascii("/v1/search?q=%C3%28%FF%FE&mode=keyword"), null, null);
    check("GET", bytes("/v1/search?q=", new byte[] {(byte) 0xFF, (byte) 0xC3, 0x28}), null, null);
    check("GET", bytes("/v1/documents/", new byte[] {(byte) 0xC0, (byte) 0xAF, (byte) 0xE2, (byte) 0x82}), null,
        null);
    check("POST", ascii("/v1/search"), "application/json", bytes("{\"query\": \"", new byte[] {(byte) 0xFF,
        (byte) 0xFE, (byte) 0xC3}, "\"}"));
    check("POST", ascii("/v1/answer"), "application/json", bytes("{\"query\": \"", new byte[] {(byte) 0xED,
        (byte) 0xA0, (byte) 0x80}, "\"}"));
    check("POST", ascii("/v1/search"), "application/json", ascii("{\"query\": \"" + "(((\\\"".repeat(2000)
        + "\", \"mode\": \"keyword\"}"));
    check("GET", ascii("/v1/search?q=" + "AND+OR+NOT+*+?+~+%5E+%22+%5B+%7B+".repeat(300) + "&mode=keyword"), null,
        null);
    assertThat(failures).isEmpty();
    assertThat(fiveHundreds).isZero();
  }

  @Test
  void randomRequestsToEveryRouteNeverCauseAServerErrorOrLeakAStackTrace() throws Exception {
    Random random = new Random(SEED);
    for (int i = 0; i < RANDOM_CASES; i++) {
      switch (random.nextInt(10)) {
        case 0 -> check("GET", ascii("/v1/search?" + randomParams(random)), null, null);
        case 1 -> check("POST", ascii("/v1/search"), "application/json", randomJson(random));
        case 2 -> check("POST", ascii("/v1/answer"), "application/json", randomJson(random));
        case 3 -> check("GET", bytes("/v1/documents/", randomPathBytes(random)), null, null);
        case 4 -> check(random.nextBoolean() ? "PUT" : "PATCH", ascii("/v1/search"), "text/plain", randomJson(random));
        case 5 -> check("GET", ascii(List.of("/health", "/ready", "/metrics", "/", "/v1/ops/overview", "/openapi.json")
            .get(random.nextInt(6)) + "?" + randomParams(random)), null, null);
        case 6 -> check("POST", ascii("/v1/search"), "application/json", randomBytes(random, 1 + random.nextInt(300)));
        case 7 -> check("POST", ascii("/v1/feedback"), "application/json", randomJson(random));
        case 8 -> check("GET", bytes("/v1/experiments/", randomPathBytes(random)), null, null);
        default -> check("GET", bytes("/v1/search?q=", randomPathBytes(random)), null, null);
      }
    }
    System.out.printf("query fuzz: %d requests, %d server errors, %d contract violations%n", sent, fiveHundreds,
        failures.size());
    assertThat(failures).isEmpty();
    assertThat(fiveHundreds).isZero();
  }

  private void expect(int status, String method, String target, String json) throws Exception {
    RawHttp.Response response = check(method, ascii(target), json == null ? null : "application/json",
        json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    if (response.status() != status) {
      failures.add(method + " " + abbreviate(target) + ": expected " + status + ", got " + response.status() + " "
          + abbreviate(response.body()));
    }
  }

  /** Sends one request and records every way its answer breaks the error contract. */
  private RawHttp.Response check(String method, byte[] target, String contentType, byte[] body) throws Exception {
    RawHttp.Response response = RawHttp.send(stack.httpPort(), method, target, contentType, body);
    sent++;
    String what = method + " " + abbreviate(new String(target, StandardCharsets.ISO_8859_1)) + " → "
        + response.status();
    if (response.status() >= 500 || response.status() == -1) {
      fiveHundreds++;
      failures.add(what + ": " + abbreviate(response.body()));
    }
    if (response.status() >= 400 && !isUri(target) && !response.isJson()) {
      // not a URI at all (raw non-ASCII bytes, a broken %-escape): the JDK's HTTP server refuses the request line
      // with its own plain-text 400 before any handler runs, so only "4xx, no stack trace" can be asked of it
      if (response.status() != 400) {
        failures.add(what + ": an unparseable request target must be a 400");
      }
    } else if (response.status() >= 400) {
      if (!response.isJson()) {
        failures.add(what + ": error body is not JSON");
      } else {
        JsonNode error = HttpJson.mapper().readTree(response.body()).path("error");
        if (!error.isTextual() || error.asText().isBlank()) {
          failures.add(what + ": no \"error\" message in " + abbreviate(response.body()));
        }
      }
    }
    if (response.body().matches("(?s).*(\\tat |\\sat [a-z]+\\.[a-z]+\\.|Exception:|\\.java:\\d+).*")) {
      failures.add(what + ": stack trace in the body: " + abbreviate(response.body()));
    }
    return response;
  }

  private static boolean isUri(byte[] target) {
    for (byte b : target) {
      if (b < 0x21 || b > 0x7E) {
        return false;
      }
    }
    try {
      new java.net.URI(new String(target, StandardCharsets.US_ASCII));
      return true;
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static String randomParams(Random random) {
    List<String> names = List.of("q", "k", "mode", "tenant", "rerank", "filter.lang", "filter.", "x", "q", "q");
    StringBuilder query = new StringBuilder();
    int count = random.nextInt(6);
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        query.append('&');
      }
      query.append(names.get(random.nextInt(names.size()))).append('=').append(randomValue(random));
    }
    return query.toString();
  }

  private static String randomValue(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> Integer.toString(random.nextInt());
      case 1 -> List.of("keyword", "vector", "hybrid", "true", "false", "", "null", "NaN", "1e9")
          .get(random.nextInt(9));
      case 2 -> "%" + Integer.toHexString(random.nextInt(256));
      case 3 -> "fjords+" + "z".repeat(random.nextInt(3000));
      case 4 -> percentEncoded(randomBytes(random, random.nextInt(40)));
      case 5 -> "%E2%82"; // a cut-off multi-byte sequence
      default -> Long.toString(random.nextLong()) + "0000";
    };
  }

  private static byte[] randomJson(Random random) {
    List<String> fields = List.of("\"query\"", "\"k\"", "\"mode\"", "\"tenant\"", "\"filter\"", "\"rerank\"",
        "\"queryId\"", "\"chunkId\"", "\"useful\"");
    List<String> values = List.of("\"fjords\"", "1", "-5", "1000000", "true", "null", "[]", "{}", "{\"a\":[1]}",
        "\"\"", "\"vector\"", "\"hybrid\"", "3.7", "\"" + "q".repeat(random.nextInt(5000)) + "\"", "[[[[[[]]]]]]");
    StringBuilder json = new StringBuilder(random.nextInt(10) == 0 ? "[" : "{");
    int count = random.nextInt(5);
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        json.append(',');
      }
      json.append(fields.get(random.nextInt(fields.size()))).append(':')
          .append(values.get(random.nextInt(values.size())));
    }
    if (random.nextInt(6) > 0) {
      json.append('}'); // sometimes left open: malformed
    }
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] randomPathBytes(Random random) {
    byte[] raw = randomBytes(random, 1 + random.nextInt(30));
    for (int i = 0; i < raw.length; i++) {
      // keep the request line parseable (no spaces, CR, LF, '#'): the server must still see a request
      if (raw[i] == ' ' || raw[i] == '\r' || raw[i] == '\n' || raw[i] == '#' || raw[i] == 0) {
        raw[i] = 'x';
      }
    }
    return raw;
  }

  private static byte[] randomBytes(Random random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String percentEncoded(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append('%').append(String.format("%02X", b & 0xFF));
    }
    return out.toString();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(String prefix, byte[] middle) {
    return bytes(prefix, middle, "");
  }

  private static byte[] bytes(String prefix, byte[] middle, String suffix) {
    byte[] head = ascii(prefix);
    byte[] tail = ascii(suffix);
    byte[] all = new byte[head.length + middle.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(middle, 0, all, head.length, middle.length);
    System.arraycopy(tail, 0, all, head.length + middle.length, tail.length);
    return all;
  }

  private static String abbreviate(String text) {
    return text.length() <= 200 ? text : text.substring(0, 200) + "…(" + text.length() + " chars)";
  }
}
