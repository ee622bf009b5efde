package io.ragstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.cdc.PostgresCdc;
import io.ragstream.cdc.PostgresServer;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.Metrics;
import io.ragstream.runtime.kafka.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's "with {@code cdc postgres} on a real PostgreSQL table: an inserted row is found, an update replaces its
 * text, a delete removes it", end to end: a throwaway PostgreSQL 15 (skipped, saying why, where its binaries are
 * missing), the embedded stack, and {@link PostgresCdc} (what {@code ragstream cdc postgres} runs) publishing to the
 * stack's broker; every assertion is a search over the stack's HTTP API (and a row's status, {@code GET /v1/documents/{docId}}).
 */
class PostgresCdcSearchIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);
  private static final List<String> MODES = List.of("keyword", "hybrid");

  @TempDir Path dataDir;

  @Test
  void rowChangesReachSearch() throws Exception {
    try (PostgresServer pg = PostgresServer.start()) {
      pg.psql("CREATE TABLE public.articles (id int PRIMARY KEY, title text, body text, region text)");
      pg.psql("INSERT INTO public.articles VALUES (1, 'Boilers', 'The basement boiler rattles every night.', 'eu')");
      try (EmbeddedStack stack = EmbeddedStack.start(StackConfig.defaults(dataDir).withEphemeralPorts(),
          Metrics.registry())) {
        KafkaSettings kafka = stack.kafkaSettings();
        PostgresCdc.Settings settings = new PostgresCdc.Settings(pg.host(), pg.port(), "postgres", "postgres", null,
            "public.articles", "id", List.of("body"), "title", null, List.of("region"), "default");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        StackSearch search = new StackSearch(stack);
        try (DocumentPublisher publisher = new DocumentPublisher(kafka, "cdc-search-it", "cdc",
            new SimpleMeterRegistry())) {
          PostgresCdc cdc = new PostgresCdc(settings, kafka, publisher, lines::add); // closed once, below
          Thread streaming = Thread.ofPlatform().name("cdc-search-it").start(cdc);
          try {
            // the snapshot's row
            awaitFound(search, "basement boiler rattles", "public.articles/1");

            // an inserted row is found, with its meta column as a filter
            pg.psql("INSERT INTO public.articles VALUES (2, 'Lighthouse', 'The lighthouse lamp is cleaned every"
                + " spring by volunteers.', 'us')");
            awaitFound(search, "lighthouse lamp volunteers", "public.articles/2");
            assertThat(search.docIds("lighthouse lamp volunteers", "keyword", Map.of("region", "us")))
                .contains("public.articles/2");
            assertThat(search.docIds("lighthouse lamp volunteers", "keyword", Map.of("region", "eu")))
                .doesNotContain("public.articles/2");

            // an update replaces the row's text: the new text is found, the old no longer for that docId
            pg.psql("UPDATE public.articles SET body = 'The copper kettle whistles on the stove.' WHERE id = 1");
            awaitFound(search, "copper kettle whistles stove", "public.articles/1");
            for (String mode : MODES) {
              await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(search.texts("basement boiler rattles", mode, "public.articles/1")).as(mode)
                    .noneMatch(t -> t.contains("boiler"));
                assertThat(search.texts("copper kettle whistles stove", mode, "public.articles/1")).as(mode)
                    .anyMatch(t -> t.contains("copper kettle")).noneMatch(t -> t.contains("boiler"));
              });
            }
            // words only the old body had (the unchanged title 'Boilers' still matches "boiler")
            assertThat(search.docIds("basement rattles", "keyword")).doesNotContain("public.articles/1");
            // the row's status reads as an upload's, for its latest version
            await().atMost(PATIENCE).untilAsserted(() -> {
              com.fasterxml.jackson.databind.JsonNode pipeline = search.document("public.articles/1").path("pipeline");
              assertThat(pipeline.path("state").asText()).as("%s", pipeline).isEqualTo("INDEXED");
              assertThat(pipeline.path("operation").asText()).isEqualTo("UPSERT");
              assertThat(pipeline.path("sourceName").asText()).isEqualTo("public.articles/1");
            });

            // a delete removes it; the other row stays
            pg.psql("DELETE FROM public.articles WHERE id = 2");
            for (String mode : MODES) {
              await().atMost(PATIENCE).untilAsserted(() -> assertThat(
                  search.docIds("lighthouse lamp volunteers", mode)).as(mode).doesNotContain("public.articles/2"));
            }
            assertThat(search.docIds("copper kettle whistles stove", "keyword")).contains("public.articles/1");
            assertThat(lines).contains("published public.articles/1", "published public.articles/2",
                "deleted public.articles/2");
          } finally {
            cdc.close();
            streaming.join(30_000);
          }
        }
      }
    }
  }

  private static void awaitFound(StackSearch search, String query, String docId) {
    for (String mode : MODES) {
      await().atMost(PATIENCE).untilAsserted(() -> assertThat(search.docIds(query, mode)).as(mode).contains(docId));
    }
  }
}
