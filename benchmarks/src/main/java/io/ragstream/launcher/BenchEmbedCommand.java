package io.ragstream.launcher;

import io.ragstream.bench.BenchChunks;
import io.ragstream.bench.EmbedBenchmark;
import io.ragstream.embedder.EmbedderConfig;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxEmbeddingModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ragstream bench embed}: the embedder against a plain ONNX Runtime loop and langchain4j, fp32 and int8. */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = "Embed the same chunks with a plain ONNX Runtime loop, langchain4j's embedAll and ragstream's"
        + " embedder (fp32 and int8); print chunks/s and RESULT fp32_vs_langchain4j=<x> int8_vs_langchain4j=<y>.")
final class BenchEmbedCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "all-minilm-l6-v2",
      description = "fp32 model id; its int8 twin is <id>-q (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--chunks", description = "a BEIR corpus.jsonl (cut into windows) or a text file with one chunk per"
      + " line (default: the SciFact corpus when present)")
  Path chunks;

  @Option(names = "--count", defaultValue = "600", description = "chunks to embed (default: ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--chunk-tokens", defaultValue = "126", description = "tokens per chunk cut from a corpus")
  int chunkTokens;

  @Option(names = "--parallelism", description = "inference calls in flight (default: physical cores)")
  Integer parallelism;

  @Option(names = "--batch-tokens", description = "padded tokens per inference call (default: the embedder's)")
  Integer batchTokens;

  @Option(names = "--intra-op-threads", description = "ONNX Runtime threads per call (default: the embedder's)")
  Integer intraOpThreads;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda-strict: where (a) and (c) run,"
      + " with the device's batch defaults (default: ${DEFAULT-VALUE})")
  String device;

  @Override
  public Integer call() throws Exception {
    if (!model.equals("all-minilm-l6-v2")) {
      // langchain4j's baselines exist for MiniLM only; comparing another model would compare different networks
      throw new IllegalArgumentException("the langchain4j comparison exists for all-minilm-l6-v2 only, not " + model);
    }
    EmbedderConfig config = EmbedderConfig.defaults(device);
    if (parallelism != null) {
      config = config.withParallelism(parallelism);
    }
    if (batchTokens != null) {
      config = config.withMaxBatchTokens(batchTokens);
    }
    if (intraOpThreads != null) {
      config = config.withOnnx(config.onnx().withIntraOpThreads(intraOpThreads));
    }
    List<String> texts;
    try (OnnxEmbeddingModel tokenizing = EmbeddingModels.load(model)) {
      texts = BenchChunks.load(chunks, count, chunkTokens, tokenizing.tokenizer());
    }
    System.out.printf("bench embed: %d chunks of %d tokens, %d cores; embedder: %d calls in flight x %d intra-op"
        + " threads, up to %d texts and %d padded tokens per call%n", texts.size(), chunkTokens,
        Runtime.getRuntime().availableProcessors(), config.parallelism(), config.onnx().intraOpThreads(),
        config.maxBatchSize(), config.maxBatchTokens());
    List<EmbedBenchmark.Row> rows = new EmbedBenchmark(texts, System.out).run(model, model + "-q", config);
    EmbedBenchmark.print(rows, System.out);
    return 0;
  }
}
