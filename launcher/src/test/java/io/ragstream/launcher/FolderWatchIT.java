package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.ingest.source.FolderWatch;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.http.HttpJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish --watch} on the real stack: a new file becomes searchable, an edit replaces its text in the results,
 * removing the file removes the document; its documents' status shows in {@code GET /v1/documents/{docId}}.
 */
class FolderWatchIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  @TempDir Path dataDir;
  @TempDir Path folder;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void aWatchedFolderStaysInSyncWithTheIndex() throws Exception {
    Files.writeString(folder.resolve("existing.txt"), "The orchard keeps heritage apple trees near the river.");
    try (EmbeddedStack stack = EmbeddedStack.start(StackConfig.defaults(dataDir).withEphemeralPorts(),
            Metrics.registry());
        DocumentPublisher publisher = new DocumentPublisher(stack.kafkaSettings(), "folder-watch-it")) {
      FolderWatch.Settings settings = new FolderWatch.Settings(folder, "default", List.of("*.tmp"), false,
          Duration.ofMillis(200), null);
      List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
      FolderWatch watch = new FolderWatch(settings, FolderWatch.Target.of(publisher), lines::add);
      Thread scanning = Thread.ofPlatform().name("folder-watch-it").start(watch);
      try {
        await().atMost(PATIENCE).until(() -> !docIds(stack, "heritage apple trees").isEmpty());
        // its status reads as an upload's: GET /v1/documents/{docId} follows it through the pipeline
        String existingId = folder.resolve("existing.txt").toAbsolutePath().normalize().toString();
        await().atMost(PATIENCE).untilAsserted(() -> {
          JsonNode pipeline = new StackSearch(stack).document(existingId).path("pipeline");
          assertThat(pipeline.path("state").asText()).as("%s", pipeline).isEqualTo("INDEXED");
          assertThat(pipeline.path("sourceName").asText()).isEqualTo("existing.txt");
        });

        Path added = Files.writeString(folder.resolve("added.md"), "# Glaciers\n\nAlpine glaciers carve U-shaped"
            + " valleys over millennia.");
        Files.writeString(folder.resolve("draft.tmp"), "Ignored scratch notes about glaciers carving valleys.");
        String addedId = added.toAbsolutePath().normalize().toString();
        await().atMost(PATIENCE).until(() -> docIds(stack, "glaciers carve valleys").contains(addedId));

        Files.writeString(added, "# Glaciers\n\nVolcanic islands form above oceanic hotspots.");
        Files.setLastModifiedTime(added, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        await().atMost(PATIENCE).untilAsserted(() -> {
          assertThat(docIds(stack, "volcanic islands hotspots")).contains(addedId);
          assertThat(texts(stack, "glaciers carve U-shaped valleys", addedId)).as("the old text is gone")
              .noneMatch(t -> t.contains("U-shaped"));
        });

        Files.delete(added);
        await().atMost(PATIENCE).until(() -> !docIds(stack, "volcanic islands hotspots").contains(addedId));
        assertThat(lines).contains("published " + addedId, "deleted " + addedId)
            .noneMatch(l -> l.contains("draft.tmp"));
      } finally {
        watch.close();
        scanning.join(30_000);
      }
    }
  }

  private List<String> docIds(EmbeddedStack stack, String query) throws Exception {
    List<String> ids = new ArrayList<>();
    search(stack, query).forEach(r -> ids.add(r.path("docId").asText()));
    return ids;
  }

  private List<String> texts(EmbeddedStack stack, String query, String docId) throws Exception {
    List<String> texts = new ArrayList<>();
    search(stack, query).forEach(r -> {
      if (r.path("docId").asText().equals(docId)) {
        texts.add(r.path("text").asText());
      }
    });
    return texts;
  }

  private JsonNode search(EmbeddedStack stack, String query) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + stack.httpPort() + "/v1/search?mode=hybrid&k=10&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HttpJson.mapper().readTree(response.body()).path("results");
  }
}
