package io.ragstream.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * An {@link EmbeddingModel} run by ONNX Runtime: one long-lived session (whose {@code run} is thread-safe) and a
 * HuggingFace tokenizer. Each batch is padded to its longest member; padding is masked out of the pooling, so a
 * text gets the same vector alone or in any batch.
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
  public OnnxEmbeddingModel(
      ModelSpec spec, byte[] onnxModel, HfModelTokenizer tokenizer, OnnxOptions options) {
    this.spec = spec;
    this.tokenizer = tokenizer;
    this.env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(options.intraOpThreads());
      opts.setInterOpNumThreads(options.interOpThreads());
      opts.setOptimizationLevel(options.optLevel());
      this.session = env.createSession(onnxModel, opts);
      Set<String> inputs = session.getInputNames();
      if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)) {
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
    }
  }

  /** Loads a model whose graph and tokenizer are classpath resources named by the spec. */
  public static OnnxEmbeddingModel load(ModelSpec spec, OnnxOptions options) {
    HfModelTokenizer tokenizer =
        HfModelTokenizer.load(resource(spec.tokenizerResource()), spec.maxTokens());
    byte[] onnx;
    try (InputStream in = resource(spec.onnxResource())) {
      onnx = in.readAllBytes();
    } catch (IOException e) {
      tokenizer.close();
      throw new UncheckedIOException("cannot read " + spec.onnxResource(), e);
    }
    return new OnnxEmbeddingModel(spec, onnx, tokenizer, options);
  }

  private static InputStream resource(String name) {
    InputStream in = OnnxEmbeddingModel.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("classpath resource " + name + " not found (is the model jar a dependency?)");
    }
    return in;
  }

  /** The model's specification. */
  public ModelSpec spec() {
    return spec;
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

  @Override
  public float[][] embedAll(List<String> texts) {
    if (texts.isEmpty()) {
      return new float[0][];
    }
    Encoding[] encodings = tokenizer.encodeBatch(texts);
    int batch = encodings.length;
    int length = encodings[0].getIds().length;
    long[] shape = {batch, length};
    long[] mask = flatten(encodings, Encoding::getAttentionMask, length);
    try (OnnxTensor ids = tensor(flatten(encodings, Encoding::getIds, length), shape);
        OnnxTensor attention = tensor(mask, shape);
        OnnxTensor types =
            takesTokenTypes ? tensor(flatten(encodings, Encoding::getTypeIds, length), shape) : null) {
      Map<String, OnnxTensor> inputs = new HashMap<>();
      inputs.put(INPUT_IDS, ids);
      inputs.put(ATTENTION_MASK, attention);
      if (types != null) {
        inputs.put(TOKEN_TYPE_IDS, types);
      }
      try (OrtSession.Result result = session.run(inputs)) {
        OnnxTensor hidden = (OnnxTensor) result.get(outputName).orElseThrow();
        long[] hiddenShape = hidden.getInfo().getShape();
        if (hiddenShape.length != 3 || hiddenShape[2] != spec.dimension()) {
          throw new IllegalStateException(
              spec.id() + ": expected [batch, tokens, " + spec.dimension() + "], got " + Arrays.toString(hiddenShape));
        }
        return pool(hidden.getFloatBuffer(), mask, batch, length);
      }
    } catch (OrtException e) {
      throw new EmbeddingException(spec.id() + ": inference failed for a batch of " + batch, e);
    }
  }

  @Override
  public float[] embedQuery(String query) {
    return embedAll(List.of(spec.queryInstruction() + query))[0];
  }

  private float[][] pool(FloatBuffer hidden, long[] mask, int batch, int length) {
    int dim = spec.dimension();
    float[][] vectors = new float[batch][dim];
    for (int b = 0; b < batch; b++) {
      float[] v = vectors[b];
      if (spec.pooling() == Pooling.CLS) {
        hidden.get((b * length) * dim, v);
      } else {
        int tokens = 0;
        for (int t = 0; t < length; t++) {
          if (mask[b * length + t] == 0) {
            continue;
          }
          tokens++;
          int base = (b * length + t) * dim;
          for (int d = 0; d < dim; d++) {
            v[d] += hidden.get(base + d);
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

  private static long[] flatten(Encoding[] encodings, Function<Encoding, long[]> field, int length) {
    long[] flat = new long[encodings.length * length];
    for (int i = 0; i < encodings.length; i++) {
      System.arraycopy(field.apply(encodings[i]), 0, flat, i * length, length);
    }
    return flat;
  }

  private OnnxTensor tensor(long[] data, long[] shape) throws OrtException {
    return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
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
