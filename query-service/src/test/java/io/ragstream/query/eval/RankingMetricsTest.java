package io.ragstream.query.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values computed by hand (trec_eval conventions), shown in each comment. */
class RankingMetricsTest {
  // graded: d1 is highly relevant, d2 and d4 relevant, d3 judged not relevant, x unjudged
  private static final Map<String, Integer> JUDGED = Map.of("d1", 2, "d2", 1, "d3", 0, "d4", 1);
  // d1 repeats at the end: a second chunk of a document already ranked
  private static final List<String> RANKING = List.of("d3", "d1", "x", "d2", "d1");

  @Test
  void ndcgUsesGradedGainsAndTheIdealOrderOfAllJudgedDocuments() {
    // DCG@3 = 2/log2(3); IDCG@3 = 2/log2(2) + 1/log2(3) + 1/log2(4)
    assertThat(RankingMetrics.ndcg(RANKING, JUDGED, 3)).isCloseTo(0.4030302838, within(1e-9));
    // the repeated d1 is ignored: DCG@5 = 2/log2(3) + 1/log2(5); IDCG@5 = IDCG@3 (only three relevant)
    assertThat(RankingMetrics.ndcg(RANKING, JUDGED, 5)).isCloseTo(0.5405857679, within(1e-9));
  }

  @Test
  void aPerfectRankingScoresOneAndNothingRelevantScoresZero() {
    assertThat(RankingMetrics.ndcg(List.of("d1", "d2", "d4"), JUDGED, 10)).isCloseTo(1.0, within(1e-12));
    assertThat(RankingMetrics.ndcg(List.of("d3", "x"), JUDGED, 10)).isZero();
    assertThat(RankingMetrics.ndcg(List.of(), JUDGED, 10)).isZero();
  }

  @Test
  void recallCountsRelevantDocumentsFoundOverAllRelevant() {
    assertThat(RankingMetrics.recall(RANKING, JUDGED, 3)).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(RankingMetrics.recall(RANKING, JUDGED, 100)).isCloseTo(2.0 / 3, within(1e-12));
  }

  @Test
  void precisionDividesByKEvenWhenFewerWereRetrieved() {
    assertThat(RankingMetrics.precision(RANKING, JUDGED, 3)).isCloseTo(1.0 / 3, within(1e-12));
    // four distinct documents retrieved, two relevant: 2/10, not 2/4
    assertThat(RankingMetrics.precision(RANKING, JUDGED, 10)).isCloseTo(0.2, within(1e-12));
  }

  @Test
  void reciprocalRankIsThatOfTheFirstRelevantWithinTheCutOff() {
    assertThat(RankingMetrics.reciprocalRank(RANKING, JUDGED, 10)).isEqualTo(0.5);
    assertThat(RankingMetrics.reciprocalRank(RANKING, JUDGED, 1)).isZero();
    assertThat(RankingMetrics.reciprocalRank(List.of("x", "d3"), JUDGED, 10)).isZero();
  }

  @Test
  void zeroGradesAreNotRelevantEvenWhenJudged() {
    Map<String, Integer> onlyZero = Map.of("d3", 0);
    assertThat(RankingMetrics.ndcg(List.of("d3"), onlyZero, 10)).isZero();
    assertThat(RankingMetrics.recall(List.of("d3"), onlyZero, 10)).isZero();
    assertThat(RankingMetrics.reciprocalRank(List.of("d3"), onlyZero, 10)).isZero();
  }
}
