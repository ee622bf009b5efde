package io.ragstream.embedding;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An {@link EmbeddingModel} run by ONNX Runtime: one long-lived session (whose {@code run} is thread-safe) and a
 * HuggingFace tokenizer. Tokenising and inference are separate steps ({@link #tokenize}, {@link #embedTokens}) so a
 * batcher can group texts by their token length before it pads them; {@link #embedAll} does both for one batch.
 * Padding is masked out of the pooling, so a text gets the same vector alone or in any batch.
 */
public final class OnnxEmbeddingModel implements EmbeddingModel {

  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String TOKEN_TYPE_IDS = "token_type_ids";
  private static final String LAST_HIDDEN_STATE = "last_hidden_state";

  private final ModelSpec spec;
  private final HfModelTokenizer tokenizer;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ExecutionProvider provider;
  private final boolean takesTokenTypes;
  private final String outputName;

  /**
   * Creates a session for an ONNX graph held in memory (no copy on disk).
   *
   * @param spec the model's identity, limits and pooling
   * @param onnxModel the ONNX graph
   * @param tokenizer the model's tokenizer; owned and closed by this model from now on
   * @param options session settings
   */
  public OnnxEmbeddingModel(ModelSpec spec, byte[] onnxModel, HfModelTokenizer tokenizer, OnnxOptions options) {
    this.spec = spec;
    this.tokenizer = tokenizer;
    this.env = OrtEnvironment.getEnvironment();
    try {
      OnnxSessions.Created created = OnnxSessions.create(env, spec.id(), onnxModel, options);
      this.session = created.session();
      this.provider = created.provider();
      Set<String> inputs = session.getInputNames();
      if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)) {
        session.close();
        throw new IllegalArgumentException(
            spec.id() + ": expected inputs input_ids and attention_mask, the graph has " + inputs);
      }
      // some BERT exports drop token_type_ids; feeding an unknown input is an error
      this.takesTokenTypes = inputs.contains(TOKEN_TYPE_IDS);
      Set<String> outputs = session.getOutputNames();
      this.outputName = outputs.contains(LAST_HIDDEN_STATE) ? LAST_HIDDEN_STATE : outputs.iterator().next();
    } catch (OrtException e) {
      tokenizer.close();
      throw new EmbeddingException("cannot create an ONNX Runtime session for " + spec.id(), e);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /** Loads a model whose graph and tokenizer are classpath resources named by the spec. */
  public static OnnxEmbeddingModel load(ModelSpec spec, OnnxOptions options) {
    byte[] onnx;
    try (InputStream in = resource(spec, spec.onnxResource())) {
      onnx = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + spec.onnxResource(), e);
    }
    HfModelTokenizer tokenizer;
    try (InputStream in = resource(spec, spec.tokenizerResource())) {
      tokenizer = HfModelTokenizer.load(in, spec.maxTokens());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + spec.tokenizerResource(), e);
    }
    return new OnnxEmbeddingModel(spec, onnx, tokenizer, options);
  }

  private static InputStream resource(ModelSpec spec, String name) {
    InputStream in = OnnxEmbeddingModel.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("model " + spec.id() + ": classpath resource " + name
          + " not found (is the model's jar a dependency? " + EmbeddingModels.hint(spec) + ")");
    }
    return in;
  }

  /** The model's specification. */
  public ModelSpec spec() {
    return spec;
  }

  /** The execution provider the session really runs on (CPU after a CUDA fallback). */
  public ExecutionProvider provider() {
    return provider;
  }

  @Override
  public String id() {
    return spec.id();
  }

  @Override
  public int dimension() {
    return spec.dimension();
  }

  @Override
  public int maxTokens() {
    return spec.maxTokens();
  }

  @Override
  public HfModelTokenizer tokenizer() {
    return tokenizer;
  }

  /** Model input ids of each text (special tokens added, truncated to {@link #maxTokens()}, unpadded). */
  public long[][] tokenize(List<String> texts) {
    return tokenizer.encodeIds(texts);
  }

  @Override
  public float[][] embedAll(List<String> texts) {
    return embedTokens(tokenize(texts));
  }

  /**
   * Embeds one batch of tokenised texts, padded to the longest of them: group texts of similar length into a batch
   * and padding costs little.
   *
   * @param ids model input ids per text, as {@link #tokenize} returns them
   * @return one L2-normalised vector per input, in input order
   */
  public float[][] embedTokens(long[][] ids) {
    int batch = ids.length;
    if (batch == 0) {
      return new float[0][];
    }
    int length = 0;
    for (long[] row : ids) {
      length = Math.max(length, row.length);
    }
    long[] shape = {batch, length};
    // direct buffers: ONNX Runtime reads them in place instead of copying a heap array into native memory
    LongBuffer idBuf = directLongs(batch * length);
    LongBuffer maskBuf = directLongs(batch * length);
    for (long[] row : ids) {
      idBuf.put(row);
      for (int t = 0; t < row.length; t++) {
        maskBuf.put(1L);
      }
      for (int t = row.length; t < length; t++) {
        idBuf.put(0L);
        maskBuf.put(0L);
      }
    }
    idBuf.flip();
    maskBuf.flip();
    try (OnnxTensor idTensor = OnnxTensor.createTensor(env, idBuf, shape);
        OnnxTensor maskTensor = OnnxTensor.createTensor(env, maskBuf, shape);
        OnnxTensor types = takesTokenTypes ? OnnxTensor.createTensor(env, directLongs(batch * length), shape) : null;
        OrtSession.Result result = session.run(inputs(idTensor, maskTensor, types))) {
      OnnxTensor hidden = (OnnxTensor) result.get(outputName).orElseThrow();
      long[] hiddenShape = hidden.getInfo().getShape();
      if (hiddenShape.length != 3 || hiddenShape[2] != spec.dimension()) {
        throw new IllegalStateException(
            spec.id() + ": expected [batch, tokens, " + spec.dimension() + "], got " + Arrays.toString(hiddenShape));
      }
      return pool(hidden.getFloatBuffer(), ids, length);
    } catch (OrtException e) {
      throw new EmbeddingException(spec.id() + ": inference failed for a batch of " + batch, e);
    }
  }

  private static Map<String, OnnxTensor> inputs(OnnxTensor ids, OnnxTensor mask, OnnxTensor types) {
    return types == null
        ? Map.of(INPUT_IDS, ids, ATTENTION_MASK, mask)
        : Map.of(INPUT_IDS, ids, ATTENTION_MASK, mask, TOKEN_TYPE_IDS, types);
  }

  private static LongBuffer directLongs(int count) {
    return ByteBuffer.allocateDirect(count * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
  }

  @Override
  public float[] embedQuery(String query) {
    return embedAll(List.of(spec.queryInstruction() + query))[0];
  }

  private float[][] pool(FloatBuffer hidden, long[][] ids, int length) {
    int dim = spec.dimension();
    float[][] vectors = new float[ids.length][dim];
    float[] row = new float[dim];
    for (int b = 0; b < ids.length; b++) {
      float[] v = vectors[b];
      if (spec.pooling() == Pooling.CLS) {
        hidden.get(b * length * dim, v);
      } else {
        // the real tokens of a row are its first ids[b].length positions; the rest is padding
        int tokens = ids[b].length;
        for (int t = 0; t < tokens; t++) {
          hidden.get((b * length + t) * dim, row);
          for (int d = 0; d < dim; d++) {
            v[d] += row[d];
          }
        }
        for (int d = 0; d < dim; d++) {
          v[d] /= tokens;
        }
      }
      normalize(v);
    }
    return vectors;
  }

  private static void normalize(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    // sentence-transformers clamps the norm the same way, so an all-zero vector stays zero instead of NaN
    float norm = (float) Math.max(Math.sqrt(sum), 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new EmbeddingException("cannot close the session of " + spec.id(), e);
    } finally {
      tokenizer.close();
    }
  }
}
