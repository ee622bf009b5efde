package io.ragstream.query.cache;

import static io.ragstream.query.cache.CaffeineQueryCacheTest.key;
import static io.ragstream.query.cache.CaffeineQueryCacheTest.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.ragstream.runtime.kafka.CheckedProducer;
import io.ragstream.runtime.kafka.EmbeddedKafkaExtension;
import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.runtime.kafka.TopicAdmin;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.IndexEvent;
import io.ragstream.schemas.avro.IndexEventKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The index-events consumer on a real (in-JVM) Kafka broker, for the in-process and the shared (Redis) cache. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheInvalidatorIT {
  @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private KafkaSettings settings;

  @BeforeAll
  void start() throws Exception {
    settings = new KafkaSettings(KAFKA.bootstrapServers(), Topics.DEFAULT_PREFIX);
    TopicAdmin.ensureTopics(settings.bootstrap(), settings.topicPrefix(), (short) 1, Topics.ALL,
        Duration.ofSeconds(60));
  }

  @Test
  void anIndexEventEvictsTheInProcessCachesEntriesHoldingTheDocument() throws Exception {
    QueryCache cache = new CaffeineQueryCache(100, Duration.ofMinutes(5));
    assertEvicted(cache, "caffeine-doc");
  }

  @Test
  void anIndexEventEvictsTheSharedRedisCachesEntriesThroughAConsumerGroup() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.start();
        QueryCache cache = RedisQueryCache.connect(redis.uri(), "it:", Duration.ofMinutes(5))) {
      assertEvicted(cache, "redis-doc");
    }
  }

  private void assertEvicted(QueryCache cache, String docId) throws Exception {
    cache.put(key("holds it", "default"), response(docId), cache.sequence());
    cache.put(key("holds another", "default"), response("unrelated"), cache.sequence());
    try (CacheInvalidator invalidator = new CacheInvalidator(settings, cache, "it-" + docId)) {
      Thread thread = Thread.ofPlatform().start(invalidator);
      publish(IndexEvent.newBuilder().setDocId(docId).setTenant("default").setKind(IndexEventKind.DELETED)
          .setChunksUpserted(0).setChunksDeleted(1).setStore("lucene").setGeneration("g1")
          .setIndexedAt(Instant.now()).build());

      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (cache.get(key("holds it", "default")).isPresent() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(cache.get(key("holds it", "default"))).isEmpty();
      assertThat(cache.get(key("holds another", "default"))).isPresent();
      invalidator.close();
      thread.join(10_000);
    }
  }

  private void publish(IndexEvent event) {
    try (var producer = new CheckedProducer<byte[], byte[]>(new KafkaProducer<>(settings.producer("it-producer")),
        Duration.ofSeconds(30))) {
      producer.send(new ProducerRecord<>(Topics.INDEX_EVENTS.name(settings.topicPrefix()),
          event.getDocId().getBytes(StandardCharsets.UTF_8),
          Topics.INDEX_EVENTS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize("", event)));
    }
  }
}
