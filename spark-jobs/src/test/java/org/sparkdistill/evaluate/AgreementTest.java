package org.sparkdistill.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AgreementTest {
  @Test
  void rateIsFractionOfEqualPredictions() {
    Agreement a = new Agreement();
    a.add(0, 0);
    a.add(1, 2);
    a.add(2, 2);
    a.add(1, 1);
    // 3 equal of 4
    assertThat(a.count()).isEqualTo(4);
    assertThat(a.rate()).isEqualTo(0.75);
  }

  @Test
  void emptyAndNegativeAreRejected() {
    Agreement a = new Agreement();
    assertThatThrownBy(a::rate).isInstanceOf(IllegalStateException.class).hasMessageContaining("got 0");
    assertThatThrownBy(() -> a.add(-1, 0)).hasMessageContaining(">= 0").hasMessageContaining("a=-1");
  }
}
