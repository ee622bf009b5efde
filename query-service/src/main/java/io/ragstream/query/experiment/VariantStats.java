package io.ragstream.query.experiment;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.StatisticalSummary;
import org.apache.commons.math3.stat.descriptive.StatisticalSummaryValues;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

/**
 * Running statistics of one variant: server-side search latency and feedback usefulness. Constant memory (sums, not
 * samples), so an experiment can run for weeks; held in memory per instance and lost on restart (docs/QUERY.md).
 */
final class VariantStats {
  private final SummaryStatistics latencyMs = new SummaryStatistics();
  private final SummaryStatistics useful = new SummaryStatistics();

  synchronized void latency(double ms) {
    latencyMs.addValue(ms);
  }

  synchronized void feedback(double value) {
    useful.addValue(value);
  }

  synchronized StatisticalSummary latency() {
    return copy(latencyMs);
  }

  synchronized StatisticalSummary feedback() {
    return copy(useful);
  }

  private static StatisticalSummary copy(SummaryStatistics s) {
    return new StatisticalSummaryValues(s.getMean(), s.getVariance(), s.getN(), s.getMax(), s.getMin(), s.getSum());
  }

  /** {@code {"n", "mean", "stdDev"}}; mean and stdDev null while there are no values. */
  static Map<String, Object> describe(StatisticalSummary s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", s.getN());
    m.put("mean", s.getN() == 0 ? null : s.getMean());
    m.put("stdDev", s.getN() < 2 ? null : s.getStandardDeviation());
    return m;
  }
}
