package org.sparkdistill.udfs.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class DropoutMaskTest {

  // DropoutMask.mask(rowKey("row-42"), 3, 1234L, 16, 0.5) when the cache contract was fixed.
  private static final float[] PINNED_MASK = {
    2f, 2f, 0f, 0f, 2f, 2f, 2f, 0f, 0f, 0f, 2f, 0f, 0f, 2f, 2f, 2f
  };

  private static final int[] ZEROS_OF_PINNED_MASK = {2, 3, 7, 8, 9, 11, 12};

  @Test
  void rowKeyIsPinned() {
    // First 8 bytes of SHA-256(UTF-8(id)), big-endian; cross-checked with `printf %s id | sha256sum`.
    // These values are part of the cache contract: if this test fails, cached MC results change.
    assertThat(DropoutMask.rowKey("")).isEqualTo(0xe3b0c44298fc1c14L);
    assertThat(DropoutMask.rowKey("hello")).isEqualTo(0x2cf24dba5fb0a30eL);
    assertThat(DropoutMask.rowKey("row-42")).isEqualTo(0x4aed7eeb46640064L);
    assertThat(DropoutMask.rowKey("ünïcode")).isEqualTo(0xb8be8967e4de3eb2L);
  }

  @Test
  void maskIsPinned() {
    // Guards the key mixing and SplittableRandom sampling (cache contract), beyond rowKey.
    float[] mask = DropoutMask.mask(DropoutMask.rowKey("row-42"), 3, 1234L, 16, 0.5);
    assertThat(mask).containsExactly(PINNED_MASK);
  }

  @Test
  void droppedListsThePinnedMasksZeros() {
    // The pinned mask above is 0 at positions 2, 3, 7, 8, 9, 11 and 12 (read off its values).
    int[] out = new int[16];
    int n = DropoutMask.dropped(DropoutMask.rowKey("row-42"), 3, 1234L, 16, 0.5, out);
    assertThat(java.util.Arrays.copyOf(out, n)).containsExactly(ZEROS_OF_PINNED_MASK);
    // And on a wide mask, every zero and only the zeros, in order.
    float[] wide = DropoutMask.mask(17L, 2, 99L, 512, 0.3);
    int[] wideOut = new int[512];
    int m = DropoutMask.dropped(17L, 2, 99L, 512, 0.3, wideOut);
    assertThat(java.util.Arrays.copyOf(wideOut, m)).containsExactly(java.util.stream.IntStream.range(0, 512).filter(i -> wide[i] == 0f).toArray());
    assertThat(DropoutMask.dropped(17L, 2, 99L, 512, 0.0, wideOut)).isZero();
  }

  @Test
  void sameInputsGiveIdenticalMasks() {
    float[] a = DropoutMask.mask(17L, 2, 99L, 512, 0.3);
    float[] b = DropoutMask.mask(17L, 2, 99L, 512, 0.3);
    assertThat(a).containsExactly(b);
  }

  @Test
  void differentPassSeedOrRowGiveDifferentMasks() {
    float[] base = DropoutMask.mask(17L, 2, 99L, 512, 0.3);
    assertThat(DropoutMask.mask(17L, 3, 99L, 512, 0.3)).isNotEqualTo(base);
    assertThat(DropoutMask.mask(17L, 2, 100L, 512, 0.3)).isNotEqualTo(base);
    assertThat(DropoutMask.mask(18L, 2, 99L, 512, 0.3)).isNotEqualTo(base);
  }

  @Test
  void valuesAreZeroOrInverseKeepProbability() {
    float keep = (float) (1.0 / (1.0 - 0.25));
    for (float v : DropoutMask.mask(5L, 0, 0L, 1000, 0.25)) {
      assertThat(v).isIn(0f, keep);
    }
  }

  @Test
  void statisticsOverManyElements() {
    double rate = 0.3;
    int n = 100_000;
    float[] mask = DropoutMask.mask(DropoutMask.rowKey("stats"), 0, 42L, n, rate);
    double sum = 0;
    int dropped = 0;
    for (float v : mask) {
      sum += v;
      if (v == 0f) {
        dropped++;
      }
    }
    // std of the dropped fraction = sqrt(0.3·0.7/1e5) ≈ 0.0014; of the mean ≈ 0.0021.
    assertThat(dropped / (double) n).isCloseTo(rate, within(0.01));
    assertThat(sum / n).isCloseTo(1.0, within(0.015));
  }

  @Test
  void adjacentKeysAndPassesAreIndependent() {
    // Across 2000 adjacent (row, pass) pairs, the agreement rate of element 0 between neighbours
    // should be rate² + (1 − rate)² = 0.5 for rate 0.5, not near 0 or 1.
    int agreeRows = 0;
    int agreePasses = 0;
    int n = 2000;
    for (int i = 0; i < n; i++) {
      boolean a = DropoutMask.mask(i, 0, 7L, 1, 0.5)[0] == 0f;
      boolean nextRow = DropoutMask.mask(i + 1, 0, 7L, 1, 0.5)[0] == 0f;
      boolean nextPass = DropoutMask.mask(i, 1, 7L, 1, 0.5)[0] == 0f;
      agreeRows += a == nextRow ? 1 : 0;
      agreePasses += a == nextPass ? 1 : 0;
    }
    assertThat(agreeRows / (double) n).isCloseTo(0.5, within(0.05));
    assertThat(agreePasses / (double) n).isCloseTo(0.5, within(0.05));
  }

  @Test
  void rateZeroIsAllOnes() {
    float[] mask = DropoutMask.mask(1L, 0, 2L, 64, 0.0);
    for (float v : mask) {
      assertThat(v).isEqualTo(1f);
    }
  }

  @Test
  void applyInPlaceMatchesMask() {
    float[] features = new float[300];
    for (int i = 0; i < features.length; i++) {
      features[i] = (i - 150) * 0.37f;
    }
    float[] mask = DropoutMask.mask(11L, 4, 5L, features.length, 0.4);
    float[] expected = new float[features.length];
    for (int i = 0; i < features.length; i++) {
      expected[i] = features[i] * mask[i];
    }
    float[] result = DropoutMask.applyInPlace(features, 11L, 4, 5L, 0.4);
    assertThat(result).isSameAs(features).containsExactly(expected);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> DropoutMask.mask(0L, 0, 0L, 4, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate must be in [0, 1), got: 1.0");
    assertThatThrownBy(() -> DropoutMask.mask(0L, 0, 0L, 4, -0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate must be in [0, 1), got: -0.1");
    assertThatThrownBy(() -> DropoutMask.mask(0L, 0, 0L, 4, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate must be in [0, 1), got: NaN");
    assertThatThrownBy(() -> DropoutMask.mask(0L, -1, 0L, 4, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pass must be >= 0, got: -1");
    assertThatThrownBy(() -> DropoutMask.mask(0L, 0, 0L, -4, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("width must be >= 0, got: -4");
  }
}
