package org.sparkdistill.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What a Timing runs and reports; no assertion on how long anything takes. */
class TimingTest {
  @Test
  void oneWarmUpPassThenAtLeastOnePassPerRepeat() {
    int[] passes = new int[1];
    Timing t = Timing.of(() -> passes[0]++, 5, 0.0);
    assertThat(passes[0]).isEqualTo(6);
    assertThat(t.repeats()).isEqualTo(5);
    assertThat(t.passes()).isEqualTo(5);
    assertThat(t.min()).isLessThanOrEqualTo(t.median());
    assertThat(t.spread()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aFastPassIsRepeatedUntilTheRepeatHasItsMinimumOfWork() {
    int[] passes = new int[1];
    Timing t = Timing.of(() -> passes[0]++, 2, 0.05);
    assertThat(t.passes()).isGreaterThan(2);
    assertThat(passes[0]).isEqualTo(t.passes() + 1);
    assertThatThrownBy(() -> Timing.of(() -> {}, 0, 1)).hasMessageContaining("repeats must be >= 1, got: 0");
  }
}
