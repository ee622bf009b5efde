package io.ragstream.embedder;

import io.ragstream.schemas.ChunkIds;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Test chunks. */
final class Chunks {
  private Chunks() {}

  static Chunk chunk(int i, String text) {
    return Chunk.newBuilder().setChunkId(id(i)).setDocId("doc-" + (i % 10)).setDocumentVersion(1).setOrdinal(i)
        .setHeadings(List.of()).setText(text).setTokenCount(text.split(" ").length)
        .setContentHash(EmbeddingCache.contentHash(text)).setChunkerVersion("test").setMetadata(Map.of())
        .setIngestedAt(java.time.Instant.EPOCH).build();
  }

  static byte[] value(int i, String text) {
    String topic = Topics.CHUNKS.name(Topics.DEFAULT_PREFIX);
    return Topics.CHUNKS.valueSerde(SerdeSettings.SINGLE_OBJECT).serializer().serialize(topic, chunk(i, text));
  }

  static ConsumerRecord<byte[], byte[]> record(int i, String text) {
    return new ConsumerRecord<>(Topics.CHUNKS.name(Topics.DEFAULT_PREFIX), 0, i, key(i), value(i, text));
  }

  static ConsumerRecord<byte[], byte[]> tombstone(int i) {
    return new ConsumerRecord<>(Topics.CHUNKS.name(Topics.DEFAULT_PREFIX), 0, i, key(i), null);
  }

  /** A real chunk id (the producers' partitioner routes chunk keys by their document part). */
  static String id(int i) {
    return ChunkIds.chunkId("doc-" + (i % 10), "test", "text " + i);
  }

  static byte[] key(int i) {
    return id(i).getBytes(StandardCharsets.UTF_8);
  }

  /** Distinct common words, each one token. */
  static String words(int count) {
    String[] vocab = {"river", "stone", "light", "music", "table", "garden", "winter", "market", "paper", "horse"};
    return IntStream.range(0, count).mapToObj(i -> vocab[i % vocab.length]).collect(Collectors.joining(" "));
  }
}
