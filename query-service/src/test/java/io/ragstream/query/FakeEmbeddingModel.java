package io.ragstream.query;

import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.ModelTokenizer;
import java.util.List;

/** A deterministic 3-dimensional "model": the vector is derived from the text's length and first character. */
final class FakeEmbeddingModel implements EmbeddingModel {
  private final String id;
  volatile boolean closed;

  FakeEmbeddingModel() {
    this("fake-model");
  }

  /** Another "model": its vectors' third component is the id's length, so tests can tell who embedded a query. */
  FakeEmbeddingModel(String id) {
    this.id = id;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int dimension() {
    return 3;
  }

  @Override
  public int maxTokens() {
    return 512;
  }

  @Override
  public ModelTokenizer tokenizer() {
    return new ModelTokenizer() {
      @Override
      public int countTokens(String text) {
        return text.split("\\s+").length;
      }

      @Override
      public int specialTokens() {
        return 0;
      }
    };
  }

  @Override
  public float[][] embedAll(List<String> texts) {
    return texts.stream().map(t -> id.equals("fake-model") ? vector(t)
        : new float[] {t.length(), t.isEmpty() ? 0 : t.charAt(0), id.length()}).toArray(float[][]::new);
  }

  static float[] vector(String text) {
    return new float[] {text.length(), text.isEmpty() ? 0 : text.charAt(0), 1};
  }

  @Override
  public void close() {
    closed = true;
  }
}
