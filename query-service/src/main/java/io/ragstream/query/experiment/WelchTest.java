package io.ragstream.query.experiment;

import org.apache.commons.math3.stat.descriptive.StatisticalSummary;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * Welch's two-sample t-test (unequal variances): {@code t = (m1 - m2) / sqrt(v1/n1 + v2/n2)}, degrees of freedom by
 * Welch-Satterthwaite, two-sided p-value. The t statistic and p-value come from Commons Math's {@link TTest} (its
 * {@code t}/{@code tTest} on summaries are the unequal-variance forms); the degrees of freedom, which Commons Math
 * keeps private, are computed here so a reader can judge the p-value.
 *
 * @param t positive when the first sample's mean is larger
 * @param df Welch-Satterthwaite degrees of freedom
 * @param pValue two-sided
 */
public record WelchTest(double t, double df, double pValue) {
  private static final TTest TTEST = new TTest();

  /**
   * Compares two samples' summaries.
   *
   * @throws IllegalArgumentException when a sample has fewer than two values, or both have zero variance (the
   *     statistic is then undefined)
   */
  public static WelchTest of(StatisticalSummary a, StatisticalSummary b) {
    if (a.getN() < 2 || b.getN() < 2) {
      throw new IllegalArgumentException("each sample needs at least 2 values, got " + a.getN() + " and " + b.getN());
    }
    double va = a.getVariance() / a.getN();
    double vb = b.getVariance() / b.getN();
    if (va + vb == 0) {
      throw new IllegalArgumentException("both samples have zero variance");
    }
    double df = (va + vb) * (va + vb)
        / (va * va / (a.getN() - 1) + vb * vb / (b.getN() - 1));
    return new WelchTest(TTEST.t(a, b), df, TTEST.tTest(a, b));
  }
}
