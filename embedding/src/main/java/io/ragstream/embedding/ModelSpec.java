package io.ragstream.embedding;

import java.util.Objects;

/**
 * Everything needed to load and run one embedding model whose files are classpath resources.
 *
 * @param id stable model id recorded on every embedding
 * @param onnxResource classpath resource of the ONNX graph
 * @param tokenizerResource classpath resource of the HuggingFace {@code tokenizer.json}
 * @param dimension length of the output vectors
 * @param maxTokens maximum input length in tokens, special tokens included
 * @param pooling how token states become one vector
 * @param queryInstruction text prepended to search queries (empty for symmetric models)
 */
public record ModelSpec(
    String id,
    String onnxResource,
    String tokenizerResource,
    int dimension,
    int maxTokens,
    Pooling pooling,
    String queryInstruction) {

  public ModelSpec {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(onnxResource, "onnxResource");
    Objects.requireNonNull(tokenizerResource, "tokenizerResource");
    Objects.requireNonNull(pooling, "pooling");
    Objects.requireNonNull(queryInstruction, "queryInstruction");
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be positive: " + dimension);
    }
    if (maxTokens <= 0) {
      throw new IllegalArgumentException("maxTokens must be positive: " + maxTokens);
    }
  }
}
