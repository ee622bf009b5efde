package io.ragstream.embedder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.runtime.kafka.BatchProcessor;
import io.ragstream.runtime.kafka.DeadLetters;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.Chunk;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Chunks in, embeddings out, in input order (so a document's new chunks still precede its tombstones). Tombstones
 * pass through untouched. Texts are sorted by length before they are cut into model batches, so each batch pads to a
 * similar length and little compute is spent on padding.
 */
public final class EmbedBatchProcessor implements BatchProcessor {
  private static final Deserializer<Chunk> CHUNKS = Topics.CHUNKS.valueSerde().deserializer();
  private static final Serializer<EmbeddedChunk> EMBEDDINGS = Topics.EMBEDDINGS.valueSerde().serializer();

  private final EmbeddingModel model;
  private final int modelBatchSize;
  private final String embeddingsTopic;
  private final String dlqTopic;
  private final Counter embedded;
  private final Counter tokens;
  private final DistributionSummary batchSizes;
  private final Timer inference;

  public EmbedBatchProcessor(EmbeddingModel model, int modelBatchSize, String topicPrefix, MeterRegistry metrics) {
    if (modelBatchSize < 1) {
      throw new IllegalArgumentException("model batch size must be at least 1, got " + modelBatchSize);
    }
    this.model = model;
    this.modelBatchSize = modelBatchSize;
    this.embeddingsTopic = Topics.EMBEDDINGS.name(topicPrefix);
    this.dlqTopic = Topics.DLQ_EMBEDDER.name(topicPrefix);
    this.embedded = metrics.counter("ragstream.embedder.chunks.embedded", "model", model.id());
    this.tokens = metrics.counter("ragstream.embedder.tokens", "model", model.id());
    this.batchSizes = DistributionSummary.builder("ragstream.embedder.batch.size").tag("model", model.id())
        .publishPercentileHistogram().register(metrics);
    this.inference = Timer.builder("ragstream.embedder.inference.latency").tag("model", model.id())
        .publishPercentileHistogram().register(metrics);
  }

  @Override
  public List<ProducerRecord<byte[], byte[]>> process(List<ConsumerRecord<byte[], byte[]>> batch) {
    ProducerRecord<byte[], byte[]>[] out = newArray(batch.size());
    List<Integer> toEmbed = new ArrayList<>();
    Chunk[] chunks = new Chunk[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      ConsumerRecord<byte[], byte[]> record = batch.get(i);
      if (record.value() == null) {
        out[i] = new ProducerRecord<>(embeddingsTopic, null, record.key(), null, record.headers());
        continue;
      }
      try {
        chunks[i] = CHUNKS.deserialize(record.topic(), record.value());
        toEmbed.add(i);
      } catch (SerializationException e) {
        out[i] = DeadLetters.of(dlqTopic, "embedder", "undecodable-chunk", record, e);
      }
    }
    toEmbed.sort(Comparator.comparingInt(i -> chunks[i].getTokenCount()));
    for (int from = 0; from < toEmbed.size(); from += modelBatchSize) {
      List<Integer> slice = toEmbed.subList(from, Math.min(toEmbed.size(), from + modelBatchSize));
      List<String> texts = slice.stream().map(i -> embeddingText(chunks[i])).toList();
      float[][] vectors = inference.record(() -> model.embedAll(texts));
      for (int j = 0; j < slice.size(); j++) {
        int i = slice.get(j);
        EmbeddedChunk value = EmbeddedChunk.newBuilder().setChunk(chunks[i]).setModelId(model.id())
            .setDimension(model.dimension()).setVector(toList(vectors[j])).build();
        out[i] = new ProducerRecord<>(embeddingsTopic, null, batch.get(i).key(), EMBEDDINGS.serialize(embeddingsTopic, value),
            batch.get(i).headers());
        tokens.increment(chunks[i].getTokenCount());
      }
      embedded.increment(slice.size());
      batchSizes.record(slice.size());
    }
    return Arrays.asList(out);
  }

  /**
   * The text the model sees: the heading path, then the chunk. Headings give a short chunk the context that a reader
   * of the section has; they cost a few tokens of the model's window, which the chunk size leaves room for.
   */
  static String embeddingText(Chunk chunk) {
    if (chunk.getHeadings().isEmpty()) {
      return chunk.getText();
    }
    return String.join(" > ", chunk.getHeadings()) + "\n" + chunk.getText();
  }

  private static List<Float> toList(float[] vector) {
    return IntStream.range(0, vector.length).mapToObj(i -> vector[i]).toList();
  }

  @SuppressWarnings("unchecked")
  private static ProducerRecord<byte[], byte[]>[] newArray(int size) {
    return (ProducerRecord<byte[], byte[]>[]) new ProducerRecord<?, ?>[size];
  }
}
