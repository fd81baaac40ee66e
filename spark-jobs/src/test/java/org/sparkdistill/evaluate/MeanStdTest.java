package org.sparkdistill.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MeanStdTest {
  @Test
  void sampleStdUsesNMinusOne() {
    // mean (0.70 + 0.72 + 0.74) / 3 = 0.72; squared deviations 0.0004 + 0 + 0.0004 = 0.0008;
    // / (3 - 1) = 0.0004; sqrt = 0.02 (with n it would be 0.01633)
    MeanStd s = MeanStd.of(0.70, 0.72, 0.74);
    assertThat(s.n()).isEqualTo(3);
    assertThat(s.mean()).isCloseTo(0.72, within(1e-12));
    assertThat(s.std()).isCloseTo(0.02, within(1e-12));
    assertThat(s.format()).isEqualTo("0.720 ± 0.020");
  }

  @Test
  void twoValues() {
    // 1 and 2: mean 1.5; deviations 0.25 + 0.25 = 0.5; / 1 = 0.5; std sqrt(0.5) = 0.70711
    MeanStd s = MeanStd.of(1, 2);
    assertThat(s.std()).isCloseTo(Math.sqrt(0.5), within(1e-12));
    assertThat(s.format()).isEqualTo("1.500 ± 0.707");
  }

  @Test
  void singleRunHasNoStd() {
    MeanStd s = MeanStd.of(0.731);
    assertThat(s.std()).isNaN();
    assertThat(s.format()).isEqualTo("0.731 (n=1)");
  }

  @Test
  void badInputsSayWhy() {
    assertThatThrownBy(MeanStd::of).hasMessageContaining("at least one value");
    assertThatThrownBy(() -> MeanStd.of(1, Double.NaN)).hasMessageContaining("finite").hasMessageContaining("index 1");
  }
}
