package io.ragstream.embedding;

/**
 * Where ONNX Runtime runs a model. {@link #CUDA} needs the {@code onnxruntime_gpu} artifact in place of
 * {@code onnxruntime} and a visible NVIDIA GPU; when either is missing the session falls back to the CPU and says
 * so in one WARN line, so a misconfigured GPU node still embeds (slowly) instead of refusing to start.
 */
public enum ExecutionProvider {
  /** ONNX Runtime's default CPU kernels (MLAS; uses AVX-512/VNNI where the CPU has them). */
  CPU,
  /** NVIDIA CUDA, device 0, with the CPU as fallback for operators CUDA does not cover. */
  CUDA
}
