package io.ragstream.launcher;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.embedding.EmbeddingModel;
import io.ragstream.embedding.EmbeddingModels;
import io.ragstream.embedding.OnnxOptions;
import io.ragstream.indexer.lucene.LuceneReadOnlySearcher;
import io.ragstream.indexer.lucene.LuceneStore;
import io.ragstream.query.Fusion;
import io.ragstream.query.SearchConfig;
import io.ragstream.query.SearchMode;
import io.ragstream.query.SearchService;
import io.ragstream.query.eval.BeirDataset;
import io.ragstream.query.eval.EvalReport;
import io.ragstream.query.eval.Evaluation;
import io.ragstream.query.eval.Qrels;
import io.ragstream.query.rerank.OnnxCrossEncoder;
import io.ragstream.runtime.http.HttpJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ragstream eval}: ingests a BEIR dataset's corpus through the pipeline (once per data directory, see
 * {@link CorpusIngest}), then runs every judged query of a split through {@link SearchService} over that index and
 * prints nDCG@10, Recall@100, MRR@10, P@10 and latency, ending with a {@code RESULT ...} line.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Evaluate retrieval on a BEIR-format dataset (corpus.jsonl, queries.jsonl, qrels/<split>.tsv).")
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--dataset", required = true, description = "BEIR dataset directory") Path dataset;

  @Option(names = "--split", defaultValue = "test", description = "qrels split (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--mode", defaultValue = "hybrid", description = "keyword, vector or hybrid") String mode;

  @Option(names = "--rerank", description = "rerank with the cross-encoder given by --reranker-model")
  boolean rerank;

  @Option(names = "--reranker-model", description = "directory with model.onnx and tokenizer.json")
  Path rerankerModel;

  @Option(names = "--out", description = "write the report as JSON to this file") Path out;

  @Option(names = "--data-dir", description = "state directory (default: data/eval/<dataset name>)") Path dataDir;

  @Option(names = "--model", defaultValue = EmbeddingModels.DEFAULT_ID, description = "embedding model id") String model;

  @Option(names = "--fusion", description = "weighted or rrf (default: the service's, weighted)") String fusion;

  @Option(names = "--rrf-k", defaultValue = "" + SearchConfig.DEFAULT_RRF_K) int rrfK;

  @Option(names = "--vector-weight", defaultValue = "" + SearchConfig.DEFAULT_VECTOR_WEIGHT,
      description = "vector weight of weighted fusion") double vectorWeight;

  @Option(names = "--candidates", defaultValue = "" + SearchConfig.DEFAULT_CANDIDATES_PER_RETRIEVER,
      description = "top-N per retriever fused in hybrid mode") int candidates;

  @Option(names = "--top-chunks", defaultValue = "30",
      description = "chunks requested for the top-10 metrics (folded into documents)") int topChunks;

  @Option(names = "--depth", defaultValue = "300",
      description = "chunks requested for Recall@100 (folded into documents; must yield 100 documents)")
  int depth;

  @Option(names = "--tenant", defaultValue = "default") String tenant;

  @Option(names = "--limit", defaultValue = "0",
      description = "evaluate only the first N judged queries, 0 for all (a short latency run)") int limit;

  @Option(names = "--warm-up", defaultValue = "" + Evaluation.DEFAULT_WARM_UP,
      description = "untimed searches before the timed pass (default: ${DEFAULT-VALUE})") int warmUp;

  @Option(names = "--int8-queries",
      description = "embed queries with the int8 twin of the index's model where one ships") boolean int8Queries;

  @Override
  public Integer call() throws Exception {
    BeirDataset data = BeirDataset.open(dataset);
    Qrels qrels = data.qrels(split); // fail on a missing split before a long ingestion
    Map<String, String> queries = data.queries();
    if (rerank && rerankerModel == null) {
      throw new IllegalArgumentException("--rerank needs --reranker-model DIR (model.onnx + tokenizer.json)");
    }
    Path dir = dataDir != null ? dataDir : Path.of("data", "eval", dataset.toAbsolutePath().normalize()
        .getFileName().toString());
    Path index = new CorpusIngest(data, dir, model, tenant, System.out).ensureIndexed();

    SearchConfig config = SearchConfig.defaults().withMaxK(Math.max(depth, SearchConfig.DEFAULT_MAX_K))
        .withRrfK(rrfK).withCandidatesPerRetriever(candidates)
        .withFusion(fusion == null ? SearchConfig.DEFAULT_FUSION : Fusion.parse(fusion), vectorWeight);
    try (LuceneReadOnlySearcher searcher = LuceneStore.openReadOnly(index);
        EmbeddingModel embedder = EmbeddingModels.load(model, OnnxOptions.forQueries());
        OnnxCrossEncoder crossEncoder = rerank ? OnnxCrossEncoder.load(rerankerModel) : null) {
      SearchService.Builder builder = SearchService.builder(searcher, embedder).config(config)
          .registry(new SimpleMeterRegistry()).quantizedQueries(int8Queries);
      if (crossEncoder != null) {
        builder.reranker(crossEncoder);
      }
      try (SearchService search = builder.build()) {
        EvalReport report = Evaluation.run(search, queries, qrels,
            new Evaluation.Settings(SearchMode.parse(mode), topChunks, depth, tenant, rerank, limit, warmUp),
            (done, total) -> System.out.println("evaluated " + done + " of " + total + " queries"));
        if (out != null) {
          Map<String, Object> json = new LinkedHashMap<>();
          json.put("dataset", dataset.toAbsolutePath().normalize().toString());
          json.put("split", split);
          json.put("embeddingModel", model);
          json.put("settings", config);
          json.put("report", report);
          Files.writeString(out, HttpJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        }
        report.lines().forEach(System.out::println);
      }
    }
    return 0;
  }
}
