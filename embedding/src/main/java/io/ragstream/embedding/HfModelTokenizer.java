package io.ragstream.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A HuggingFace {@code tokenizer.json} run by DJL's native tokenizers. Thread-safe.
 *
 * <p>Holds two native tokenizers over the same vocabulary, because truncation and padding are fixed per instance:
 * one that counts (no special tokens, never truncates, so a chunker sees a text's true size) and one that prepares
 * model input (special tokens, truncated to the model's limit, unpadded: the caller groups texts of similar length
 * and pads each group itself, see {@link OnnxEmbeddingModel#embedTokens}).
 */
public final class HfModelTokenizer implements ModelTokenizer, AutoCloseable {

  private final HuggingFaceTokenizer counting;
  private final HuggingFaceTokenizer encoding;
  private final int maxTokens;
  private final int specialTokens;

  private HfModelTokenizer(byte[] tokenizerJson, int maxTokens) throws IOException {
    this.maxTokens = maxTokens;
    // tokenizer.json may carry its own truncation (the MiniLM file says 128): every option is set explicitly
    this.counting =
        HuggingFaceTokenizer.newInstance(
            new ByteArrayInputStream(tokenizerJson),
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    String limit = Integer.toString(maxTokens);
    this.encoding =
        HuggingFaceTokenizer.newInstance(
            new ByteArrayInputStream(tokenizerJson),
            Map.of(
                "addSpecialTokens", "true",
                "truncation", "true",
                "padding", "false",
                "maxLength", limit,
                "modelMaxLength", limit));
    this.specialTokens = encoding.encode("").getIds().length;
  }

  /**
   * Reads a {@code tokenizer.json}.
   *
   * @param tokenizerJson the file's content; read fully, not closed
   * @param maxTokens the model's input limit, special tokens included
   */
  public static HfModelTokenizer load(InputStream tokenizerJson, int maxTokens) {
    try {
      return new HfModelTokenizer(tokenizerJson.readAllBytes(), maxTokens);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer.json", e);
    }
  }

  /** The model's input limit this tokenizer truncates to, special tokens included. */
  public int maxTokens() {
    return maxTokens;
  }

  @Override
  public int countTokens(String text) {
    return counting.encode(text).getIds().length;
  }

  @Override
  public int specialTokens() {
    return specialTokens;
  }

  @Override
  public int prefixEnd(String text, int maxTokens) {
    if (maxTokens < 0) {
      throw new IllegalArgumentException("maxTokens must be >= 0: " + maxTokens);
    }
    CharSpan[] spans = counting.encode(text).getCharTokenSpans();
    if (spans.length <= maxTokens) {
      return text.length();
    }
    // cutting where the first excess token starts keeps the whitespace before it with the prefix;
    // the native tokenizer counts code points, Java strings count UTF-16 chars
    return text.offsetByCodePoints(0, spans[maxTokens].getStart());
  }

  /**
   * Model input ids of each text: special tokens added, truncated to {@link #maxTokens()}, not padded. The native
   * tokenizer encodes a batch on its own thread pool.
   */
  public long[][] encodeIds(List<String> texts) {
    if (texts.isEmpty()) {
      return new long[0][];
    }
    Encoding[] encodings = encoding.batchEncode(texts);
    long[][] ids = new long[encodings.length][];
    for (int i = 0; i < encodings.length; i++) {
      ids[i] = encodings[i].getIds();
    }
    return ids;
  }

  @Override
  public void close() {
    counting.close();
    encoding.close();
  }
}
