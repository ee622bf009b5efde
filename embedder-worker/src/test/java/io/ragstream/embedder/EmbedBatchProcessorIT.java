package io.ragstream.embedder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxEmbeddingModel;
import io.ragstream.schemas.SerdeSettings;
import io.ragstream.schemas.Topics;
import io.ragstream.schemas.avro.EmbeddedChunk;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch logic with the real int8 model and the on-disk cache; no broker. */
class EmbedBatchProcessorIT {
  private static final String MODEL = "all-minilm-l6-v2-q";
  private static OnnxEmbeddingModel model;

  @TempDir Path cacheDir;

  @BeforeAll
  static void load() {
    model = EmbeddingModels.load(MODEL, EmbedderConfig.defaults().onnx());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void aReplayAfterARestartIsServedFromTheCacheAndNotCountedAsEmbedded() throws Exception {
    List<ConsumerRecord<byte[], byte[]>> batch = IntStream.range(0, 40)
        .mapToObj(i -> Chunks.record(i, "chunk " + i + " about " + Chunks.words(i % 7 * 20))).toList();
    MeterRegistry first = new SimpleMeterRegistry();
    List<ProducerRecord<byte[], byte[]>> original;
    try (FileEmbeddingCache cache = FileEmbeddingCache.open(cacheDir, MODEL, model.dimension());
        BatchEmbedder embedder = embedder(first)) {
      original = processor(embedder, cache, first).process(batch);
      assertThat(cache.size()).isEqualTo(40);
    }
    assertThat(embedded(first)).isEqualTo(40);

    MeterRegistry second = new SimpleMeterRegistry();
    try (FileEmbeddingCache reopened = FileEmbeddingCache.open(cacheDir, MODEL, model.dimension());
        BatchEmbedder embedder = embedder(second)) {
      List<ProducerRecord<byte[], byte[]>> replay = processor(embedder, reopened, second).process(batch);

      assertThat(embedded(second)).as("chunks encoded on replay").isZero();
      assertThat(second.get("ragstream.embedder.cache").tag("result", "hit").counter().count()).isEqualTo(40);
      assertThat(second.get("ragstream.embedder.cache.hit.ratio").gauge().value()).isEqualTo(1.0);
      for (int i = 0; i < batch.size(); i++) {
        assertThat(vector(replay.get(i))).containsExactly(vector(original.get(i)), within(0f));
      }
    }
  }

  @Test
  void outputKeepsInputOrderAndIdenticalTextsAreEncodedOnce() throws Exception {
    MeterRegistry metrics = new SimpleMeterRegistry();
    List<ConsumerRecord<byte[], byte[]>> batch = List.of(Chunks.record(0, Chunks.words(100)),
        Chunks.tombstone(1), Chunks.record(2, "short"), Chunks.record(3, Chunks.words(100)));
    try (BatchEmbedder embedder = embedder(metrics)) {
      List<ProducerRecord<byte[], byte[]>> out =
          processor(embedder, EmbeddingCache.disabled(), metrics).process(batch);

      assertThat(out).extracting(r -> new String(r.key())).containsExactly(Chunks.id(0), Chunks.id(1), Chunks.id(2), Chunks.id(3));
      assertThat(out.get(1).value()).isNull();
      assertThat(embedded(metrics)).isEqualTo(2);
      EmbeddedChunk first = decode(out.get(0));
      assertThat(first.getModelId()).isEqualTo(MODEL);
      assertThat(first.getDimension()).isEqualTo(384);
      // one text per call on a CPU: exactly the vector the model gives the text alone
      assertThat(vector(out.get(0))).containsExactly(model.embedAll(List.of(Chunks.words(100)))[0], within(0f));
      assertThat(metrics.get("ragstream.embedder.batch.padding.ratio").summary().count()).isPositive();
    }
  }

  @Test
  void aTextGetsTheSameInt8VectorWhateverItIsEmbeddedWith() {
    // int8 activations are quantised with one scale per call: texts of similar length batched together would move
    // each other's vectors (and a cached vector would depend on what it happened to be embedded with)
    String text = Chunks.words(60);
    try (BatchEmbedder embedder = embedder(new SimpleMeterRegistry())) {
      float[] alone = embedder.embed(List.of(text))[0];
      float[] amongOthers = embedder.embed(List.of(Chunks.words(58), text, Chunks.words(61),
          "a chunk about " + Chunks.words(57)))[1];

      assertThat(amongOthers).containsExactly(alone, within(0f));
    }
  }

  @Test
  void aTornRecordAtTheEndOfTheCacheFileIsCutOffOnReopen() throws Exception {
    try (FileEmbeddingCache cache = FileEmbeddingCache.open(cacheDir, MODEL, 4)) {
      cache.putAll(java.util.Map.of(EmbeddingCache.contentHash("a"), new float[] {1, 2, 3, 4}));
    }
    Path file = cacheDir.resolve(MODEL + "-4.vectors");
    java.nio.file.Files.write(file, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);

    try (FileEmbeddingCache cache = FileEmbeddingCache.open(cacheDir, MODEL, 4)) {
      assertThat(cache.size()).isEqualTo(1);
      assertThat(cache.getAll(List.of(EmbeddingCache.contentHash("a"))).get(EmbeddingCache.contentHash("a")))
          .containsExactly(1, 2, 3, 4);
      cache.putAll(java.util.Map.of(EmbeddingCache.contentHash("b"), new float[] {5, 6, 7, 8}));
    }
    try (FileEmbeddingCache cache = FileEmbeddingCache.open(cacheDir, MODEL, 4)) {
      assertThat(cache.getAll(List.of(EmbeddingCache.contentHash("b"))).get(EmbeddingCache.contentHash("b")))
          .containsExactly(5, 6, 7, 8);
    }
  }

  private static BatchEmbedder embedder(MeterRegistry metrics) {
    return new BatchEmbedder(model, EmbedderConfig.defaults(), new EmbedderMetrics(metrics, MODEL));
  }

  private static EmbedBatchProcessor processor(BatchEmbedder embedder, EmbeddingCache cache, MeterRegistry metrics) {
    return new EmbedBatchProcessor(embedder, cache, Topics.DEFAULT_PREFIX, SerdeSettings.SINGLE_OBJECT,
        embedder.metrics());
  }

  private static double embedded(MeterRegistry metrics) {
    return metrics.get("ragstream.embedder.chunks.embedded").tag("model", MODEL).counter().count();
  }

  private static EmbeddedChunk decode(ProducerRecord<byte[], byte[]> record) {
    return Topics.EMBEDDINGS.valueSerde(SerdeSettings.SINGLE_OBJECT).deserializer()
        .deserialize(record.topic(), record.value());
  }

  private static float[] vector(ProducerRecord<byte[], byte[]> record) {
    List<Float> v = decode(record).getVector();
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }
}
