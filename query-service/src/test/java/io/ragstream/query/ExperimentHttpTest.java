package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.query.experiment.Experiment;
import io.ragstream.query.experiment.Experiments;
import io.ragstream.query.experiment.Variant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExperimentHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Experiment FUSION = new Experiment("fusion",
      List.of(Variant.control("control"), new Variant("rrf", "rrf", 60, null, null, null)));

  private final FakeChunkSearcher searcher = new FakeChunkSearcher()
      .keyword(hit(chunk("a", "doc1"), 2f), hit(chunk("b", "doc1"), 1f))
      .vector(hit(chunk("b", "doc1"), 0.9f), hit(chunk("a", "doc1"), 0.8f));
  private SearchService service;
  private Experiments experiments;
  private QueryHttpServer server;
  private TestHttp http;

  @BeforeEach
  void start() throws Exception {
    service = new SearchService(searcher, new FakeEmbeddingModel(), SearchConfig.defaults());
    experiments = Experiments.of(List.of(FUSION), service);
    server = new QueryHttpServer(0, service, searcher, () -> true).experiments(experiments).start();
    http = new TestHttp(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    experiments.close();
    service.close();
  }

  @Test
  void servesEachUserByTheirVariantAndReportsMeansAndAWelchTest() throws Exception {
    for (int user = 0; user < 40; user++) {
      JsonNode search = JSON.readTree(http.get("/v1/search?q=x&user=u" + user).body());
      JsonNode experiment = search.get("experiment");
      String variant = FUSION.assign("u" + user).name();
      assertThat(experiment.get("variant").asText()).isEqualTo(variant);
      double fused = search.get("results").get(0).get("score").asDouble();
      // RRF k=60 in "rrf" (1/61 + 1/62), weighted fusion (max 1.0 for a chunk first in one list) in the control
      assertThat(fused).isEqualTo(variant.equals("rrf") ? 1.0 / 61 + 1.0 / 62 : 0.5 + 0.5 * 0.0);
      double useful = variant.equals("rrf") ? user % 2 : (user % 4 == 0 ? 1 : 0);
      String feedback = "{\"queryId\": \"" + experiment.get("queryId").asText() + "\", \"chunkId\": \"a\", "
          + "\"useful\": " + useful + "}";
      assertThat(http.post("/v1/feedback", feedback).statusCode()).isEqualTo(202);
    }

    JsonNode report = JSON.readTree(http.get("/v1/experiments/fusion").body());
    assertThat(report.get("control").asText()).isEqualTo("control");
    assertThat(report.get("variants")).hasSize(2);
    long total = 0;
    for (JsonNode v : report.get("variants")) {
      total += v.get("feedback").get("n").asLong();
      assertThat(v.get("latencyMs").get("n").asLong()).isEqualTo(v.get("feedback").get("n").asLong());
    }
    assertThat(total).isEqualTo(40);
    JsonNode feedback = report.get("comparisons").get(0);
    assertThat(feedback.get("metric").asText()).isEqualTo("feedback");
    assertThat(feedback.get("variant").asText()).isEqualTo("rrf");
    assertThat(feedback.get("pValue").asDouble()).isBetween(0.0, 1.0);
    assertThat(feedback.get("df").asDouble()).isPositive();
  }

  @Test
  void searchesWithoutAUserIdAreNotInTheExperiment() throws Exception {
    JsonNode search = JSON.readTree(http.get("/v1/search?q=x").body());

    assertThat(search.has("experiment")).isFalse();
    assertThat(http.get("/v1/search?q=x&experiment=fusion").statusCode()).isEqualTo(400);
  }

  @Test
  void refusesFeedbackItCannotAttribute() throws Exception {
    String queryId = JSON.readTree(http.get("/v1/search?q=x", QueryHttpServer.USER_HEADER, "u1").body())
        .get("experiment").get("queryId").asText();

    assertThat(http.post("/v1/feedback", "{\"queryId\": \"nope\", \"useful\": 1}").statusCode()).isEqualTo(404);
    assertThat(http.post("/v1/feedback", "{\"queryId\": \"" + queryId + "\", \"useful\": 1.5}").statusCode())
        .isEqualTo(400);
    assertThat(http.post("/v1/feedback", "{\"queryId\": \"" + queryId + "\", \"chunkId\": \"zz\", \"useful\": 1}")
        .statusCode()).isEqualTo(400);
    assertThat(http.post("/v1/feedback", "{\"queryId\": \"" + queryId + "\", \"useful\": 1, \"tenant\": \"t2\"}")
        .statusCode()).isEqualTo(404);
    assertThat(http.get("/v1/experiments/nope").statusCode()).isEqualTo(404);
    assertThat(http.get("/v1/search?q=x&user=u1&experiment=nope").statusCode()).isEqualTo(400);
  }
}
