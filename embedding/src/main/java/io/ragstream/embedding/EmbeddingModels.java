package io.ragstream.embedding;

import java.util.List;
import java.util.stream.Collectors;

/** The embedding models that ship in jars on the classpath, by id. */
public final class EmbeddingModels {

  /**
   * The id of the model a stack uses unless told otherwise: the int8 twin of all-MiniLM-L6-v2. On SciFact (train) it
   * retrieves as well as the fp32 model within noise and embeds about 1.4 times as fast on a CPU (see
   * docs/EMBEDDER.md, "Default model"). A constant, so command-line defaults can name it.
   */
  public static final String DEFAULT_ID = "all-minilm-l6-v2-q";

  /** sentence-transformers/all-MiniLM-L6-v2, fp32 (from langchain4j's model jar). */
  public static final ModelSpec ALL_MINILM_L6_V2 =
      new ModelSpec(
          "all-minilm-l6-v2",
          "all-minilm-l6-v2.onnx",
          "all-minilm-l6-v2-tokenizer.json",
          384,
          256,
          Pooling.MEAN,
          "");

  /** The int8-quantised twin of {@link #ALL_MINILM_L6_V2}: a quarter of the size, vectors close but not equal. */
  public static final ModelSpec ALL_MINILM_L6_V2_Q =
      new ModelSpec(
          "all-minilm-l6-v2-q",
          "all-minilm-l6-v2-q.onnx",
          "all-minilm-l6-v2-q-tokenizer.json",
          384,
          256,
          Pooling.MEAN,
          "");

  /**
   * BAAI/bge-small-en-v1.5, fp32: a stronger retriever of the same size class, 512 tokens, CLS pooling, and an
   * instruction prepended to queries (not to passages). Its files come in langchain4j's bge-small-en-v15 jar.
   */
  public static final ModelSpec BGE_SMALL_EN_V15 =
      new ModelSpec(
          "bge-small-en-v1.5",
          "bge-small-en-v1.5.onnx",
          "bge-small-en-v1.5-tokenizer.json",
          384,
          512,
          Pooling.CLS,
          "Represent this sentence for searching relevant passages: ");

  /**
   * The int8-quantised twin of {@link #BGE_SMALL_EN_V15} (langchain4j's bge-small-en-v15-q jar): same tokenizer,
   * pooling and query instruction; about 2.5 times the fp32 model's speed on a CPU with int8 dot products.
   */
  public static final ModelSpec BGE_SMALL_EN_V15_Q =
      new ModelSpec(
          "bge-small-en-v1.5-q",
          "bge-small-en-v1.5-q.onnx",
          "bge-small-en-v1.5-q-tokenizer.json",
          384,
          512,
          Pooling.CLS,
          BGE_SMALL_EN_V15.queryInstruction());

  private static final List<ModelSpec> KNOWN =
      List.of(ALL_MINILM_L6_V2, ALL_MINILM_L6_V2_Q, BGE_SMALL_EN_V15, BGE_SMALL_EN_V15_Q);

  private EmbeddingModels() {}

  /** The spec of {@link #DEFAULT_ID}. */
  public static ModelSpec defaultSpec() {
    return spec(DEFAULT_ID);
  }

  /** Every model this factory can load. */
  public static List<ModelSpec> known() {
    return KNOWN;
  }

  /**
   * The spec of a known model.
   *
   * @throws IllegalArgumentException if the id is unknown; the message lists the known ids
   */
  public static ModelSpec spec(String modelId) {
    return KNOWN.stream()
        .filter(s -> s.id().equals(modelId))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown embedding model '"
                        + modelId
                        + "'; known: "
                        + KNOWN.stream().map(ModelSpec::id).collect(Collectors.joining(", "))));
  }

  /**
   * Loads a known model. Expensive (reads and optimises the graph): load once and share the instance.
   *
   * @throws IllegalArgumentException if the id is unknown
   */
  public static OnnxEmbeddingModel load(String modelId, OnnxOptions options) {
    return OnnxEmbeddingModel.load(spec(modelId), options);
  }

  /** Where a model's files come from, for error messages. */
  static String hint(ModelSpec spec) {
    return "it ships in a dev.langchain4j:langchain4j-embeddings-* jar, which must be on the classpath";
  }

  /** Whether a known model's files are on the classpath. */
  public static boolean available(String modelId) {
    ModelSpec spec = spec(modelId);
    return EmbeddingModels.class.getClassLoader().getResource(spec.onnxResource()) != null;
  }

  /** Loads a known model with {@link OnnxOptions#defaults()}. */
  public static OnnxEmbeddingModel load(String modelId) {
    return load(modelId, OnnxOptions.defaults());
  }
}
