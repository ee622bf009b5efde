package io.ragstream.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragstream.query.ui.StatusPage;
import io.ragstream.runtime.http.Router;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void describesEveryRouteAndRoutesEveryDescribedOperation() throws Exception {
    FakeChunkSearcher searcher = new FakeChunkSearcher();
    try (SearchService service = new SearchService(searcher, new FakeEmbeddingModel(), SearchConfig.defaults());
        QueryHttpServer server = new QueryHttpServer(0, service, searcher, () -> true)) {
      // the status page's routes are served by the same server in every deployment (Stages.operations)
      server.routes(router -> StatusPage.routes(router, r -> {}, r -> {}));
      server.start();
      JsonNode doc = JSON.readTree(new TestHttp(server.port()).get("/openapi.json").body());

      Set<String> described = new HashSet<>();
      doc.get("paths").properties().forEach(path -> path.getValue().fieldNames()
          .forEachRemaining(method -> described.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));
      assertThat(doc.get("openapi").asText()).startsWith("3.");
      assertThat(described).containsExactlyInAnyOrderElementsOf(routes(server));
    }
  }

  /**
   * The router's routes as "METHOD /path/{param}". Router (runtime module) has no listing API, so its private route
   * list is read reflectively: a rename there fails this test loudly rather than letting the two drift apart.
   */
  private static Set<String> routes(QueryHttpServer server) throws Exception {
    Field routerField = QueryHttpServer.class.getDeclaredField("router");
    routerField.setAccessible(true);
    Router router = (Router) routerField.get(server);
    Field routesField = Router.class.getDeclaredField("routes");
    routesField.setAccessible(true);
    Set<String> out = new HashSet<>();
    for (Object route : (List<?>) routesField.get(router)) {
      Method method = route.getClass().getDeclaredMethod("method");
      Method segments = route.getClass().getDeclaredMethod("segments");
      method.setAccessible(true);
      segments.setAccessible(true);
      @SuppressWarnings("unchecked")
      List<String> parts = (List<String>) segments.invoke(route);
      String path = "/" + String.join("/", parts).replace("...}", "}");
      out.add(method.invoke(route) + " " + path);
    }
    return out;
  }
}
