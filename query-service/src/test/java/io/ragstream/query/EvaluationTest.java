package io.ragstream.query;

import static io.ragstream.query.FakeChunkSearcher.chunk;
import static io.ragstream.query.FakeChunkSearcher.hit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ragstream.query.eval.EvalReport;
import io.ragstream.query.eval.Evaluation;
import io.ragstream.query.eval.Qrels;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {
  @Test
  void averagesPerQueryMetricsOverJudgedQueriesFoldingChunksIntoDocuments() throws IOException {
    // every query gets the same ranking: doc1 (two chunks), then doc2
    FakeChunkSearcher searcher = new FakeChunkSearcher()
        .keyword(hit(chunk("a", "doc1"), 3f), hit(chunk("b", "doc1"), 2f), hit(chunk("c", "doc2"), 1f));
    Qrels qrels = new Qrels(Map.of(
        "q1", Map.of("doc1", 1),
        "q2", Map.of("doc2", 1),
        "no-text", Map.of("doc1", 1),
        "nothing-relevant", Map.of("doc1", 0)));
    Map<String, String> queries = Map.of("q1", "first", "q2", "second", "nothing-relevant", "third");
    SearchService service = SearchService.builder(searcher, new FakeEmbeddingModel())
        .config(SearchConfig.defaults().withMaxK(300)).registry(new SimpleMeterRegistry()).build();

    EvalReport report = Evaluation.run(service, queries, qrels,
        new Evaluation.Settings(SearchMode.KEYWORD, 30, 300, "default", false), (done, total) -> {});

    assertThat(report.queries()).isEqualTo(2);
    // q1: doc1 at rank 1 → nDCG 1, RR 1; q2: doc2 at rank 2 (doc1's second chunk folded away) → 1/log2(3), RR 1/2
    assertThat(report.ndcgAt10()).isCloseTo((1 + 1 / (Math.log(3) / Math.log(2))) / 2, within(1e-9));
    assertThat(report.mrrAt10()).isCloseTo(0.75, within(1e-12));
    assertThat(report.precisionAt10()).isCloseTo(0.1, within(1e-12));
    assertThat(report.recallAt100()).isCloseTo(1.0, within(1e-12));
    assertThat(report.latencyP99Ms()).isGreaterThanOrEqualTo(report.latencyP50Ms());
    assertThat(report.lines().getLast()).isEqualTo("RESULT ndcg@10=0.8155 recall@100=1.0000 mrr@10=0.7500");
  }
}
