package io.ragstream.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates ONNX Runtime sessions from {@link OnnxOptions}, including the CUDA switch and its CPU fallback. */
final class OnnxSessions {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxSessions.class);

  private OnnxSessions() {}

  /**
   * A session for the graph; the provider that was actually used is returned with it and named in one INFO line.
   *
   * @throws EmbeddingException if CUDA was asked for strictly ({@link OnnxOptions#strictProvider()}) and is
   *     unavailable
   */
  static Created create(OrtEnvironment env, String modelId, byte[] onnxModel, OnnxOptions options)
      throws OrtException {
    if (options.provider() == ExecutionProvider.CUDA) {
      String unavailable = cudaUnavailableReason(env);
      if (unavailable == null) {
        try (OrtSession.SessionOptions opts = cpuOptions(options)) {
          opts.addCUDA(0);
          Created created = new Created(env.createSession(onnxModel, opts), ExecutionProvider.CUDA);
          LOG.info("{}: ONNX Runtime execution provider CUDA (device 0; operators CUDA lacks run on the CPU),"
              + " optimisation {}", modelId, options.optimization());
          return created;
        } catch (OrtException e) {
          unavailable = e.getMessage(); // e.g. the GPU build is present but no device or driver is
        }
      }
      if (options.strictProvider()) {
        throw new EmbeddingException(modelId + ": CUDA execution provider requested (device cuda-strict) but"
            + " unavailable: " + unavailable, null);
      }
      LOG.warn("{}: CUDA execution provider requested but unavailable ({}); falling back to CPU with {} intra-op"
          + " threads", modelId, unavailable, options.intraOpThreads());
    }
    try (OrtSession.SessionOptions opts = cpuOptions(options)) {
      Created created = new Created(env.createSession(onnxModel, opts), ExecutionProvider.CPU);
      LOG.info("{}: ONNX Runtime execution provider CPU, {} intra-op thread(s) per call, optimisation {}", modelId,
          options.intraOpThreads(), options.optimization());
      return created;
    }
  }

  private static String cudaUnavailableReason(OrtEnvironment env) {
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      return "this ONNX Runtime build has no CUDA provider; use the com.microsoft.onnxruntime:onnxruntime_gpu"
          + " artifact";
    }
    return null;
  }

  private static OrtSession.SessionOptions cpuOptions(OnnxOptions options) throws OrtException {
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    try {
      opts.setIntraOpNumThreads(options.intraOpThreads());
      opts.setInterOpNumThreads(options.interOpThreads());
      // one chain of dependent operators: parallel execution only adds scheduling overhead
      opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      opts.setOptimizationLevel(options.optLevel());
      if (!options.spinning()) {
        opts.addConfigEntry("session.intra_op.allow_spinning", "0");
      }
      return opts;
    } catch (OrtException | RuntimeException e) {
      opts.close();
      throw e;
    }
  }

  /** A session and the provider it runs on. */
  record Created(OrtSession session, ExecutionProvider provider) {}
}
