package io.ragstream.embedding;

/** How a model's per-token hidden states are reduced to one sentence vector. */
public enum Pooling {
  /** Average of the token states under the attention mask (sentence-transformers' MiniLM models). */
  MEAN,
  /** The state of the first ([CLS]) token (the BGE models). */
  CLS
}
