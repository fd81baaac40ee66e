package org.sparkdistill.udfs.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SoftmaxTest {

  private static final double EPS = 1e-6;

  @Test
  void largeLogitsDoNotOverflow() {
    // softmax([1000, 1001]) = softmax([0, 1]) = [1/(1+e), e/(1+e)] = [0.2689414214, 0.7310585786]
    float[] p = Softmax.softmax(new float[] {1000f, 1001f});
    assertThat((double) p[0]).isCloseTo(0.2689414214, within(EPS));
    assertThat((double) p[1]).isCloseTo(0.7310585786, within(EPS));
  }

  @Test
  void largeNegativeLogitsDoNotUnderflowToNaN() {
    float[] p = Softmax.softmax(new float[] {-1000f, -1000f, -1000f, -1000f});
    assertThat(p).containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
  }

  @Test
  void singleLogitIsCertain() {
    assertThat(Softmax.softmax(new float[] {-3.5f})).containsExactly(1f);
  }

  @Test
  void sumsToOne() {
    float[] p = Softmax.softmax(new float[] {0.3f, -2f, 7f, 1e-3f, 4f});
    double sum = 0;
    for (float v : p) {
      sum += v;
    }
    assertThat(sum).isCloseTo(1.0, within(EPS));
  }

  @Test
  void temperatureDividesLogits() {
    // [0, 2] at T = 2 equals [0, 1] at T = 1.
    float[] p = Softmax.softmax(new float[] {0f, 2f}, 2.0);
    assertThat((double) p[0]).isCloseTo(0.2689414214, within(EPS));
    assertThat((double) p[1]).isCloseTo(0.7310585786, within(EPS));
    // [0, 1] at T = 0.5 equals [0, 2]: [1/(1+e^2), e^2/(1+e^2)] = [0.1192029220, 0.8807970780]
    float[] sharp = Softmax.softmax(new float[] {0f, 1f}, 0.5);
    assertThat((double) sharp[0]).isCloseTo(0.1192029220, within(EPS));
    assertThat((double) sharp[1]).isCloseTo(0.8807970780, within(EPS));
  }

  @Test
  void temperatureOneIsDefault() {
    float[] logits = {0.1f, 2f, -1f};
    assertThat(Softmax.softmax(logits, 1.0)).containsExactly(Softmax.softmax(logits));
  }

  @Test
  void rejectsEmpty() {
    assertThatThrownBy(() -> Softmax.softmax(new float[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logits must not be empty, got length: 0");
  }

  @Test
  void rejectsNonFiniteNamingIndexAndValue() {
    assertThatThrownBy(() -> Softmax.softmax(new float[] {0f, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logits[1] must be finite, got: NaN");
    assertThatThrownBy(() -> Softmax.softmax(new float[] {0f, 1f, Float.NEGATIVE_INFINITY}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logits[2] must be finite, got: -Infinity");
  }

  @Test
  void rejectsBadTemperature() {
    float[] logits = {0f, 1f};
    assertThatThrownBy(() -> Softmax.softmax(logits, 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("temperature must be finite and > 0, got: 0.0");
    assertThatThrownBy(() -> Softmax.softmax(logits, -1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("temperature must be finite and > 0, got: -1.0");
    assertThatThrownBy(() -> Softmax.softmax(logits, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("temperature must be finite and > 0, got: NaN");
    assertThatThrownBy(() -> Softmax.softmax(logits, Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("temperature must be finite and > 0, got: Infinity");
  }

  @Test
  void doublePrecisionAtATemperature() {
    // softmax((0, 2, 4) / 2) = (1, e, e^2) / (1 + e + e^2), by hand to 12 digits
    double norm = 1 + 2.718281828459045 + 7.38905609893065;
    double[] p = Softmax.softmax(new double[] {0, 2, 4}, 2.0);
    assertThat(p[0]).isCloseTo(1 / norm, within(1e-12));
    assertThat(p[1]).isCloseTo(2.718281828459045 / norm, within(1e-12));
    assertThat(p[2]).isCloseTo(7.38905609893065 / norm, within(1e-12));
    // max-shifted: 1e6 and 1e6 + 1 do not overflow
    assertThat(Softmax.softmax(new double[] {1e6, 1e6 + 1}, 1.0)[0]).isCloseTo(0.2689414213699951, within(1e-12));
    assertThatThrownBy(() -> Softmax.softmax(new double[] {1}, 0.0)).hasMessageContaining("temperature must be finite and > 0, got: 0.0");
  }
}
