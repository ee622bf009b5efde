package io.ragstream.embedding;

/**
 * A model could not be loaded or could not run. Unchecked, so callers decide in one place whether a failure is
 * fatal (a broken model) rather than catching ONNX Runtime's checked exception everywhere.
 */
public class EmbeddingException extends RuntimeException {

  public EmbeddingException(String message, Throwable cause) {
    super(message, cause);
  }
}
