package io.ragstream.embedder;

import io.ragstream.embedding.OnnxEmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Embeds many texts as fast as the hardware allows: tokenises them once, plans inference calls by token budget
 * with length bucketing ({@link BatchPlan}), and keeps {@link EmbedderConfig#parallelism()} calls in flight on the
 * one shared session. Thread-safe; the worker and the benchmark use this same class.
 */
public final class BatchEmbedder implements AutoCloseable {
  private final OnnxEmbeddingModel model;
  private final EmbedderConfig config;
  private final EmbedderMetrics metrics;
  private final ExecutorService pool;

  /**
   * @param model the model; not closed by this class (the query side may share it)
   * @param config batching and parallelism
   * @param metrics where each inference call is recorded
   */
  public BatchEmbedder(OnnxEmbeddingModel model, EmbedderConfig config, EmbedderMetrics metrics) {
    this.model = model;
    this.config = config;
    this.metrics = metrics;
    this.pool = config.parallelism() == 1 ? null
        : Executors.newFixedThreadPool(config.parallelism(), Thread.ofPlatform().daemon().name("embed-", 0).factory());
  }

  public OnnxEmbeddingModel model() {
    return model;
  }

  /** The meters each inference call is recorded in. */
  public EmbedderMetrics metrics() {
    return metrics;
  }

  /** One L2-normalised vector per text, in input order. */
  public float[][] embed(List<String> texts) {
    long[][] ids = model.tokenize(texts);
    int[] lengths = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      lengths[i] = ids[i].length;
    }
    BatchPlan plan = BatchPlan.of(lengths, config.maxBatchTokens(), config.maxBatchSize());
    float[][] vectors = new float[texts.size()][];
    if (pool == null) {
      for (int[] batch : plan.batches()) {
        run(batch, ids, vectors);
      }
      return vectors;
    }
    List<Future<?>> calls = new ArrayList<>(plan.batches().size());
    for (int[] batch : plan.batches()) {
      calls.add(pool.submit(() -> run(batch, ids, vectors)));
    }
    for (Future<?> call : calls) {
      await(call);
    }
    return vectors;
  }

  private void run(int[] batch, long[][] ids, float[][] vectors) {
    long[][] input = new long[batch.length][];
    long real = 0;
    int longest = 0;
    for (int k = 0; k < batch.length; k++) {
      input[k] = ids[batch[k]];
      real += input[k].length;
      longest = Math.max(longest, input[k].length);
    }
    long start = System.nanoTime();
    float[][] out = model.embedTokens(input);
    metrics.batch(batch.length, real, (long) longest * batch.length, System.nanoTime() - start);
    for (int k = 0; k < batch.length; k++) {
      vectors[batch[k]] = out[k]; // distinct indices per batch: no two calls write the same slot
    }
  }

  private static void await(Future<?> call) {
    try {
      call.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while embedding", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        // an OutOfMemoryError or StackOverflowError on a pool thread must stop the worker (the stage exits 70),
        // not become a retriable exception that the batch loop would retry in place forever
        throw error;
      }
      throw new IllegalStateException("embedding failed", e.getCause());
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
