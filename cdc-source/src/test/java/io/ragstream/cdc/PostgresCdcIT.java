package io.ragstream.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.ingest.source.DocumentPublisher;
import io.ragstream.runtime.kafka.EmbeddedKafka;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.DocumentKey;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IngestRequest;
import io.ragstream.schemas.avro.Operation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PostgresCdc} against a real PostgreSQL 15 (a throwaway cluster, {@code wal_level=logical}) and the in-JVM
 * broker: the snapshot publishes existing rows, an insert, an update of the text and a delete are published, an
 * update of an unmapped column is not, and a restart neither re-publishes nor misses what changed while it was down;
 * with a tenant column, a row is its tenant's document, keyed by (tenant, docId).
 */
class PostgresCdcIT {
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  @TempDir Path kafkaDir;
  private PostgresServer pg;
  private int pgPort;

  @BeforeEach
  void startPostgres() throws Exception {
    pg = PostgresServer.start();
    pgPort = pg.port();
    psql("CREATE TABLE public.articles (id int PRIMARY KEY, title text, body text, views int, region text)");
    psql("INSERT INTO public.articles VALUES (1, 'Boilers', 'The boiler rattles at night.', 0, 'eu'),"
        + " (2, 'Gates', 'The gate sticks in wet weather.', 0, 'us')");
  }

  @AfterEach
  void stopPostgres() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void rowsStreamAsDocumentsAndARestartResumes() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(kafkaDir, 0)) {
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      PostgresCdc.Settings cdc = new PostgresCdc.Settings("127.0.0.1", pgPort, "postgres", "postgres", null,
          "public.articles", "id", List.of("body"), "title", null, List.of("region"), "default");
      List<IngestRequest> seen = new ArrayList<>();

      try (Running first = new Running(cdc, settings)) {
        awaitRequests(kafka, settings, seen, 2);
        assertThat(seen).extracting(IngestRequest::getDocId)
            .containsExactlyInAnyOrder("public.articles/1", "public.articles/2");
        assertThat(html(seen.getFirst())).contains("<title>");

        psql("INSERT INTO public.articles VALUES (3, 'Lifts', 'The lift needs oil.', 0, 'eu')");
        psql("UPDATE public.articles SET views = 5 WHERE id = 2"); // not mapped: nothing to publish
        psql("UPDATE public.articles SET body = 'The boiler was replaced in May.' WHERE id = 1");
        psql("DELETE FROM public.articles WHERE id = 2");
        awaitRequests(kafka, settings, seen, 5);
        assertThat(seen.subList(2, 5)).extracting(IngestRequest::getDocId, IngestRequest::getOperation)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("public.articles/3", Operation.UPSERT),
                org.assertj.core.groups.Tuple.tuple("public.articles/1", Operation.UPSERT),
                org.assertj.core.groups.Tuple.tuple("public.articles/2", Operation.DELETE));
        assertThat(html(seen.get(3))).contains("The boiler was replaced in May.");
        // what it did, as its metrics report it: the views update counted as unchanged, the delete as a delete, and
        // how far behind the database the last change was published (measured, so no longer -1)
        await().atMost(Duration.ofSeconds(30)).until(() -> first.metrics.get("ragstream.source.unchanged")
            .tag("source", "cdc").counter().count() == 1);
        assertThat(first.metrics.get("ragstream.source.documents").tags("source", "cdc", "operation", "delete")
            .counter().count()).isEqualTo(1);
        assertThat(first.metrics.get("ragstream.source.behind.seconds").tags("source", "cdc", "table",
            "public.articles").gauge().value()).isGreaterThanOrEqualTo(0);
        Thread.sleep(3000); // past offset.flush.interval.ms, so the offsets of what was published are stored
      }

      psql("UPDATE public.articles SET body = 'The lift was oiled.' WHERE id = 3"); // while it is down
      try (Running second = new Running(cdc, settings)) {
        awaitRequests(kafka, settings, seen, 6);
        assertThat(seen.get(5).getDocId()).isEqualTo("public.articles/3");
        assertThat(html(seen.get(5))).contains("The lift was oiled.");
        psql("INSERT INTO public.articles VALUES (4, 'Roof', 'The roof leaks.', 0, 'eu')");
        awaitRequests(kafka, settings, seen, 7);
        assertThat(seen.get(6).getDocId()).as("no snapshot again, nothing re-published").isEqualTo("public.articles/4");
      }
    }
  }

  @Test
  void aRowIsItsTenantsDocumentAndMovingItToAnotherTenantDeletesItThere() throws Exception {
    psql("CREATE TABLE public.notes (id int PRIMARY KEY, org text, body text)");
    psql("ALTER TABLE public.notes REPLICA IDENTITY FULL"); // deletes and updates carry the tenant column
    psql("INSERT INTO public.notes VALUES (1, 'acme', 'Acme keeps this note.'), (2, 'globex', 'Globex note.')");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(kafkaDir, 0)) {
      TopicAdmin.ensureTopics(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX, (short) 1, Topics.ALL,
          Duration.ofSeconds(30));
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.DEFAULT_PREFIX);
      PostgresCdc.Settings cdc = new PostgresCdc.Settings("127.0.0.1", pgPort, "postgres", "postgres", null,
          "public.notes", "id", List.of("body"), null, "org", List.of(), "default");
      try (Running running = new Running(cdc, settings)) {
        List<String> first = awaitKeyed(kafka, settings, 2);
        assertThat(first).containsExactlyInAnyOrder("acme/public.notes/1 UPSERT", "globex/public.notes/2 UPSERT");

        psql("UPDATE public.notes SET org = 'globex' WHERE id = 1");
        psql("DELETE FROM public.notes WHERE id = 2");
        List<String> all = awaitKeyed(kafka, settings, 5);
        // one document's records share a partition, so they are in order; documents may interleave
        assertThat(all.stream().filter(r -> r.contains("public.notes/1")).toList()).containsExactly(
            "acme/public.notes/1 UPSERT", "acme/public.notes/1 DELETE", "globex/public.notes/1 UPSERT");
        assertThat(all.stream().filter(r -> r.contains("public.notes/2")).toList()).containsExactly(
            "globex/public.notes/2 UPSERT", "globex/public.notes/2 DELETE");
      }
    }
  }

  /** Every ingest record as {@code tenant/docId OPERATION}, from its key (which must agree with its value). */
  private static List<String> awaitKeyed(EmbeddedKafka kafka, KafkaSettings settings, int total) {
    var values = settings.valueSerde(Topics.INGEST).deserializer();
    List<String> all = Collections.synchronizedList(new ArrayList<>());
    await().atMost(PATIENCE).untilAsserted(() -> {
      all.clear();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
          kafka.bootstrapServers(), "auto.offset.reset", "earliest", "group.id", "reader-" + System.nanoTime()),
          new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(Topics.INGEST.name(Topics.DEFAULT_PREFIX)));
        long until = System.currentTimeMillis() + 3000;
        while (System.currentTimeMillis() < until) {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> {
            IngestRequest request = values.deserialize(r.topic(), r.value());
            DocumentKey key = DocumentKey.parse(r.key());
            assertThat(key).isEqualTo(DocumentKey.of(request.getTenant(), request.getDocId()));
            all.add(key.tenant() + "/" + key.docId() + " " + request.getOperation());
          });
        }
      }
      assertThat(all).hasSizeGreaterThanOrEqualTo(total);
    });
    assertThat(all).as("exactly the expected requests").hasSize(total);
    return List.copyOf(all);
  }

  /** One run of the command: the engine on its own thread, stopped on close. */
  private static final class Running implements AutoCloseable {
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final DocumentPublisher publisher;
    final PostgresCdc cdc;
    final Thread thread;

    Running(PostgresCdc.Settings settings, KafkaSettings kafka) {
      publisher = new DocumentPublisher(kafka, "cdc-it", "cdc", metrics);
      cdc = new PostgresCdc(settings, kafka, publisher, line -> { }, metrics);
      thread = Thread.ofPlatform().name("cdc-it").start(cdc);
    }

    @Override
    public void close() throws Exception {
      cdc.close();
      thread.join(30_000);
      publisher.close();
    }
  }

  private static void awaitRequests(EmbeddedKafka kafka, KafkaSettings settings, List<IngestRequest> seen,
      int total) {
    var values = settings.valueSerde(Topics.INGEST).deserializer();
    List<IngestRequest> all = Collections.synchronizedList(new ArrayList<>());
    await().atMost(PATIENCE).untilAsserted(() -> {
      all.clear();
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
          kafka.bootstrapServers(), "auto.offset.reset", "earliest", "group.id", "reader-" + System.nanoTime()),
          new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(Topics.INGEST.name(Topics.DEFAULT_PREFIX)));
        long until = System.currentTimeMillis() + 3000;
        while (System.currentTimeMillis() < until) {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> all.add(values.deserialize(r.topic(), r.value())));
        }
      }
      assertThat(all).hasSizeGreaterThanOrEqualTo(total);
    });
    assertThat(all).as("exactly the expected requests, nothing re-published").hasSize(total);
    seen.clear();
    seen.addAll(all);
  }

  private static String html(IngestRequest request) {
    return StandardCharsets.UTF_8.decode(request.getContent().duplicate()).toString();
  }

  private void psql(String sql) throws Exception {
    pg.psql(sql);
  }
}
