package io.ragstream.launcher;

import io.ragstream.runtime.kafka.KafkaSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Follows the documents, chunks and embeddings topics (read_committed, from their current end) and notes when each
 * document's first record became visible on each: that is when the extract transaction, the chunker's Streams
 * commit and the embedder transaction ahead of it committed. {@code bench freshness} uses it to say where a
 * measured document's time went, stage by stage.
 */
final class StageWatch implements AutoCloseable {
  /** The stages whose output is followed, in pipeline order. */
  static final List<String> STAGES = List.of("extract", "chunker", "embedder");

  private final Map<String, Map<String, Long>> seenAt = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  StageWatch(KafkaSettings kafka, String clientId) {
    Map<String, Object> props = kafka.consumer("unused", clientId, 2000);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
    String documents = Topics.DOCUMENTS.name(kafka.topicPrefix());
    String chunks = Topics.CHUNKS.name(kafka.topicPrefix());
    String embeddings = Topics.EMBEDDINGS.name(kafka.topicPrefix());
    Deserializer<Chunk> chunkValues = Topics.CHUNKS.valueSerde(kafka.serdes()).deserializer();
    Deserializer<EmbeddedChunk> embeddingValues = Topics.EMBEDDINGS.valueSerde(kafka.serdes()).deserializer();
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(documents, chunks, embeddings)) {
      consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    this.thread = Thread.ofPlatform().name(clientId).daemon().start(() -> {
      try (consumer) {
        while (running.get()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
            long now = System.nanoTime();
            if (r.value() == null) {
              continue;
            }
            String stage;
            String docId;
            if (r.topic().equals(documents)) {
              stage = "extract";
              docId = new String(r.key(), StandardCharsets.UTF_8);
            } else if (r.topic().equals(chunks)) {
              stage = "chunker";
              docId = chunkValues.deserialize(r.topic(), r.value()).getDocId();
            } else {
              stage = "embedder";
              docId = embeddingValues.deserialize(r.topic(), r.value()).getChunk().getDocId();
            }
            seenAt.computeIfAbsent(stage, s -> new ConcurrentHashMap<>()).putIfAbsent(docId, now);
          }
        }
      }
    });
  }

  /** When the document's first record of the stage became visible ({@link System#nanoTime()}), or -1. */
  long seen(String stage, String docId) {
    return seenAt.getOrDefault(stage, Map.of()).getOrDefault(docId, -1L);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join();
  }
}
