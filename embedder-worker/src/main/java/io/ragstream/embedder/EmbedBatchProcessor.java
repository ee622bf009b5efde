package io.ragstream.embedder;

import io.ragstream.runtime.kafka.BatchProcessor;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Chunks in, embeddings out, in input order (so a document's new chunks still precede its tombstones). Tombstones
 * pass through untouched; undecodable chunks go to the dead-letter topic. Each distinct text is looked up in the
 * {@link EmbeddingCache} by its content hash and only the misses reach the model, through {@link BatchEmbedder}'s
 * token-budget batches. Throwing (the model failed) makes the stage abort and retry the whole batch.
 */
public final class EmbedBatchProcessor implements BatchProcessor {
  private final Deserializer<Chunk> chunkValues;
  private final Serializer<EmbeddedChunk> embeddingValues;

  private final BatchEmbedder embedder;
  private final EmbeddingCache cache;
  private final EmbedderMetrics metrics;
  private final String embeddingsTopic;
  private final String dlqTopic;

  public EmbedBatchProcessor(BatchEmbedder embedder, EmbeddingCache cache, String topicPrefix, SerdeSettings serdes,
      EmbedderMetrics metrics) {
    this.chunkValues = Topics.CHUNKS.valueSerde(serdes).deserializer();
    this.embeddingValues = Topics.EMBEDDINGS.valueSerde(serdes).serializer();
    this.embedder = embedder;
    this.cache = cache;
    this.metrics = metrics;
    this.embeddingsTopic = Topics.EMBEDDINGS.name(topicPrefix);
    this.dlqTopic = Topics.DLQ_EMBEDDER.name(topicPrefix);
  }

  @Override
  public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> batch) {
    ProducerRecord<byte[], byte[]>[] out = newArray(batch.size());
    Chunk[] chunks = new Chunk[batch.size()];
    String[] hashes = new String[batch.size()];
    Map<String, String> textsByHash = new LinkedHashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = batch.get(i);
      if (record.value() == null) {
        out[i] = new ProducerRecord<>(embeddingsTopic, null, record.key(), null, record.headers());
        continue;
      }
      try {
        chunks[i] = chunkValues.deserialize(record.topic(), record.value());
      } catch (SerializationException e) {
        out[i] = DeadLetters.of(dlqTopic, "embedder", "undecodable_chunk", record, e);
        continue;
      }
      String text = embeddingText(chunks[i]);
      hashes[i] = EmbeddingCache.contentHash(text);
      textsByHash.putIfAbsent(hashes[i], text);
    }
    Map<String, float[]> vectors = vectors(textsByHash);
    String modelId = embedder.model().id();
    int dimension = embedder.model().dimension();
    for (int i = 0; i < batch.size(); i++) {
      if (chunks[i] == null) {
        continue;
      }
      EmbeddedChunk value = EmbeddedChunk.newBuilder().setChunk(chunks[i]).setModelId(modelId)
          .setDimension(dimension).setVector(toList(vectors.get(hashes[i]))).build();
      out[i] = new ProducerRecord<>(embeddingsTopic, null, batch.get(i).key(),
          embeddingValues.serialize(embeddingsTopic, value), batch.get(i).headers());
    }
    return Arrays.asList(out);
  }

  /** Cached vectors plus freshly encoded ones for the misses, by hash; each distinct text is encoded once. */
  private Map<String, float[]> vectors(Map<String, String> textsByHash) {
    if (textsByHash.isEmpty()) {
      return Map.of();
    }
    Map<String, float[]> vectors = new HashMap<>(cache.getAll(new ArrayList<>(textsByHash.keySet())));
    List<String> missing = textsByHash.keySet().stream().filter(h -> !vectors.containsKey(h)).toList();
    metrics.cache(vectors.size(), missing.size());
    if (!missing.isEmpty()) {
      float[][] fresh = embedder.embed(missing.stream().map(textsByHash::get).toList());
      Map<String, float[]> computed = new HashMap<>();
      for (int k = 0; k < missing.size(); k++) {
        computed.put(missing.get(k), fresh[k]);
      }
      cache.putAll(computed);
      vectors.putAll(computed);
    }
    return vectors;
  }

  /**
   * The text the model sees: the chunk's text as the chunker made it. Whether that text starts with the heading path
   * is the chunker's decision ({@code chunker.heading-prefix}), so keyword index and vector see the same words and
   * the setting can be switched off (and measured) in one place.
   */
  public static String embeddingText(Chunk chunk) {
    return chunk.getText();
  }

  private static List<Float> toList(float[] vector) {
    return IntStream.range(0, vector.length).mapToObj(i -> vector[i]).toList();
  }

  @SuppressWarnings("unchecked")
  private static ProducerRecord<byte[], byte[]>[] newArray(int size) {
    return (ProducerRecord<byte[], byte[]>[]) new ProducerRecord<?, ?>[size];
  }
}
