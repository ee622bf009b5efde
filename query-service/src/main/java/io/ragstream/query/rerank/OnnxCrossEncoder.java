package io.ragstream.query.rerank;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cross-encoder reranker on ONNX Runtime: a BERT-style sequence classifier exported to ONNX (for example
 * {@code cross-encoder/ms-marco-MiniLM-L-6-v2} via {@code optimum-cli export onnx --task text-classification}),
 * read from a directory holding {@code model.onnx} and the model's {@code tokenizer.json}.
 *
 * <p>Input contract, that of every HuggingFace {@code *ForSequenceClassification} export: {@code input_ids} and
 * {@code attention_mask} (int64, {@code [batch, tokens]}), optionally {@code token_type_ids}; output: the first
 * output, {@code [batch, 1]} (one relevance logit) or {@code [batch, labels]}, of which the last label's logit is the
 * relevance (two-label models put "relevant" last). Query and passage are encoded as a pair, truncated together to
 * {@link #maxTokens()}. One session for the process lifetime; every tensor is closed after its run.
 */
public final class OnnxCrossEncoder implements Reranker {
  public static final int DEFAULT_MAX_TOKENS = 512;
  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String TOKEN_TYPE_IDS = "token_type_ids";

  private final String id;
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean takesTokenTypes;
  private final int maxTokens;

  private OnnxCrossEncoder(String id, OrtSession session, HuggingFaceTokenizer tokenizer, int maxTokens)
      throws OrtException {
    this.id = id;
    this.session = session;
    this.tokenizer = tokenizer;
    this.maxTokens = maxTokens;
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (!inputs.containsKey(INPUT_IDS) || !inputs.containsKey(ATTENTION_MASK)) {
      throw new IllegalArgumentException(id + ": the model must take input_ids and attention_mask, it takes "
          + inputs.keySet());
    }
    this.takesTokenTypes = inputs.containsKey(TOKEN_TYPE_IDS);
  }

  /** Loads {@code dir/model.onnx} and {@code dir/tokenizer.json}, truncating pairs to 512 tokens. */
  public static OnnxCrossEncoder load(Path dir) throws IOException {
    return load(dir, DEFAULT_MAX_TOKENS);
  }

  /**
   * Loads {@code dir/model.onnx} and {@code dir/tokenizer.json}.
   *
   * @param maxTokens the model's input limit, special tokens included
   * @throws IOException if a file is missing or unreadable, or ONNX Runtime rejects the model
   */
  public static OnnxCrossEncoder load(Path dir, int maxTokens) throws IOException {
    Path model = dir.resolve("model.onnx");
    Path tokenizerJson = dir.resolve("tokenizer.json");
    for (Path file : List.of(model, tokenizerJson)) {
      if (!Files.isRegularFile(file)) {
        throw new IOException(file + ": missing; a reranker directory holds model.onnx and tokenizer.json");
      }
    }
    String limit = Integer.toString(maxTokens);
    // tokenizer.json may carry its own truncation and padding: every option is set explicitly
    HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of(
        "addSpecialTokens", "true", "truncation", "true", "padding", "false", "maxLength", limit,
        "modelMaxLength", limit));
    OrtSession session = null;
    try {
      session = OrtEnvironment.getEnvironment().createSession(model.toString(), new OrtSession.SessionOptions());
      return new OnnxCrossEncoder("cross-encoder:" + dir.toAbsolutePath().normalize().getFileName(), session,
          tokenizer, maxTokens);
    } catch (OrtException | RuntimeException e) {
      tokenizer.close();
      if (session != null) {
        closeQuietly(session, e);
      }
      throw new IOException(model + ": ONNX Runtime cannot load it as a cross-encoder: " + e.getMessage(), e);
    }
  }

  @Override
  public String id() {
    return id;
  }

  public int maxTokens() {
    return maxTokens;
  }

  @Override
  public float[] score(String query, List<String> passages) {
    int batch = passages.size();
    if (batch == 0) {
      return new float[0];
    }
    Encoding[] encodings = new Encoding[batch];
    int length = 0;
    for (int i = 0; i < batch; i++) {
      encodings[i] = tokenizer.encode(query, passages.get(i));
      length = Math.max(length, encodings[i].getIds().length);
    }
    long[] shape = {batch, length};
    LongBuffer ids = directLongs(batch * length);
    LongBuffer mask = directLongs(batch * length);
    LongBuffer types = directLongs(batch * length);
    for (Encoding e : encodings) {
      // padding after the real tokens, masked out
      ids.put(e.getIds()).put(new long[length - e.getIds().length]);
      mask.put(e.getAttentionMask()).put(new long[length - e.getIds().length]);
      types.put(e.getTypeIds()).put(new long[length - e.getIds().length]);
    }
    ids.flip();
    mask.flip();
    types.flip();
    try (OnnxTensor idTensor = OnnxTensor.createTensor(env, ids, shape);
        OnnxTensor maskTensor = OnnxTensor.createTensor(env, mask, shape);
        OnnxTensor typeTensor = OnnxTensor.createTensor(env, types, shape)) {
      Map<String, OnnxTensor> inputs = new HashMap<>();
      inputs.put(INPUT_IDS, idTensor);
      inputs.put(ATTENTION_MASK, maskTensor);
      if (takesTokenTypes) {
        inputs.put(TOKEN_TYPE_IDS, typeTensor);
      }
      try (OrtSession.Result result = session.run(inputs)) {
        return relevance((OnnxTensor) result.get(0), batch);
      }
    } catch (OrtException e) {
      throw new IllegalStateException(id + ": inference failed for " + batch + " passages", e);
    }
  }

  private float[] relevance(OnnxTensor logits, int batch) {
    long[] shape = ((TensorInfo) logits.getInfo()).getShape();
    if (shape.length != 2 || shape[0] != batch || shape[1] < 1) {
      throw new IllegalStateException(id + ": expected logits [" + batch + ", labels], got "
          + Arrays.toString(shape));
    }
    int labels = (int) shape[1];
    var buffer = logits.getFloatBuffer();
    float[] scores = new float[batch];
    for (int i = 0; i < batch; i++) {
      scores[i] = buffer.get(i * labels + labels - 1);
    }
    return scores;
  }

  private static LongBuffer directLongs(int count) {
    // direct buffers: ONNX Runtime reads them in place instead of copying a heap array into native memory
    return ByteBuffer.allocateDirect(count * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
  }

  private static void closeQuietly(OrtSession session, Exception primary) {
    try {
      session.close();
    } catch (OrtException e) {
      primary.addSuppressed(e);
    }
  }

  @Override
  public void close() {
    tokenizer.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(id + ": cannot close the ONNX session", e);
    }
  }
}
