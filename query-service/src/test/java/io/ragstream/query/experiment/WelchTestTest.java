package io.ragstream.query.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.junit.jupiter.api.Test;

class WelchTestTest {
  private static SummaryStatistics of(double... values) {
    SummaryStatistics s = new SummaryStatistics();
    for (double v : values) {
      s.addValue(v);
    }
    return s;
  }

  @Test
  void matchesHandComputedValues() {
    // a: mean 3, variance 2.5; b: mean 7, variance 10 (n = 5 each)
    // t = (3 - 7) / sqrt(2.5/5 + 10/5) = -4 / sqrt(2.5) = -2.529822
    // df = 2.5^2 / (0.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 5.882353
    // p = I_{df/(df+t^2)}(df/2, 1/2), integrated numerically by hand: 0.045465
    WelchTest w = WelchTest.of(of(1, 2, 3, 4, 5), of(3, 5, 7, 9, 11));

    assertThat(w.t()).isCloseTo(-2.529822, within(1e-6));
    assertThat(w.df()).isCloseTo(5.882353, within(1e-6));
    assertThat(w.pValue()).isCloseTo(0.045465, within(1e-5));
  }

  @Test
  void isSymmetricInItsSamples() {
    WelchTest ab = WelchTest.of(of(1, 2, 3, 4, 5), of(3, 5, 7, 9, 11));
    WelchTest ba = WelchTest.of(of(3, 5, 7, 9, 11), of(1, 2, 3, 4, 5));

    assertThat(ba.t()).isCloseTo(-ab.t(), within(1e-12));
    assertThat(ba.pValue()).isCloseTo(ab.pValue(), within(1e-12));
  }

  @Test
  void refusesSamplesItCannotTest() {
    assertThatThrownBy(() -> WelchTest.of(of(1), of(1, 2))).hasMessageContaining("at least 2");
    assertThatThrownBy(() -> WelchTest.of(of(1, 1), of(2, 2))).hasMessageContaining("zero variance");
  }
}
