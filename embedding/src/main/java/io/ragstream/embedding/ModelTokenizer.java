package io.ragstream.embedding;

/** Counts tokens the way the embedding model sees them. */
public interface ModelTokenizer {

  /** Number of tokens of the text, without the model's special tokens ([CLS], [SEP]) and without truncation. */
  int countTokens(String text);

  /** How many tokens the model adds around every input (e.g. 2 for [CLS] and [SEP]). */
  int specialTokens();
}
