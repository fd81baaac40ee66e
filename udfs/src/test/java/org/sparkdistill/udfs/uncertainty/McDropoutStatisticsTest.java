package org.sparkdistill.udfs.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class McDropoutStatisticsTest {

  private static final double EPS = 1e-6;

  @Test
  void twoPassesTwoClassesByHand() {
    // Passes p1 = [0.9, 0.1], p2 = [0.5, 0.5]; K = 2, C = 2.
    // p̄ = [0.7, 0.3]
    // H(p̄)  = -(0.7 ln 0.7 + 0.3 ln 0.3) = 0.2496724610 + 0.3611918411 = 0.6108643021
    // H(p1)  = -(0.9 ln 0.9 + 0.1 ln 0.1) = 0.0948244644 + 0.2302585093 = 0.3250829734
    // H(p2)  = ln 2                                                     = 0.6931471806
    // MI     = 0.6108643021 - (0.3250829734 + 0.6931471806) / 2         = 0.1017492251
    // certainty = 1 - 0.6108643021 / ln 2 = 1 - 0.8812908992           = 0.1187091008
    // variance: class 0 values 0.9, 0.5 around 0.7 -> (0.2² + 0.2²) / 2 = 0.04; class 1 the same.
    McDropoutStatistics s =
        McDropoutStatistics.of(new float[][] {{0.9f, 0.1f}, {0.5f, 0.5f}});

    assertThat(s.passes()).isEqualTo(2);
    assertThat(s.numClasses()).isEqualTo(2);
    assertThat((double) s.meanProbabilities()[0]).isCloseTo(0.7, within(EPS));
    assertThat((double) s.meanProbabilities()[1]).isCloseTo(0.3, within(EPS));
    assertThat(s.predictiveEntropy()).isCloseTo(0.6108643021, within(EPS));
    assertThat(s.certainty()).isCloseTo(0.1187091008, within(EPS));
    assertThat((double) s.variance()[0]).isCloseTo(0.04, within(EPS));
    assertThat((double) s.variance()[1]).isCloseTo(0.04, within(EPS));
    assertThat(s.mutualInformation()).isCloseTo(0.1017492251, within(EPS));
    assertThat(s.predictedClass()).isZero();
  }

  @Test
  void disagreeingOneHotPassesByHand() {
    // Passes [1, 0, 0] and [0, 1, 0]; K = 2, C = 3 (exercises 0·ln 0 = 0).
    // p̄ = [0.5, 0.5, 0]; H(p̄) = ln 2 = 0.6931471806; H(p_k) = 0 -> MI = ln 2.
    // certainty = 1 - ln 2 / ln 3 = 1 - 0.6309297536 = 0.3690702464
    // variance = [0.25, 0.25, 0] (values 1, 0 around 0.5 -> (0.25 + 0.25) / 2)
    McDropoutStatistics s =
        McDropoutStatistics.of(new float[][] {{1f, 0f, 0f}, {0f, 1f, 0f}});

    assertThat(s.meanProbabilities()).containsExactly(0.5f, 0.5f, 0f);
    assertThat(s.predictiveEntropy()).isCloseTo(0.6931471806, within(EPS));
    assertThat(s.mutualInformation()).isCloseTo(0.6931471806, within(EPS));
    assertThat(s.certainty()).isCloseTo(0.3690702464, within(EPS));
    assertThat(s.variance()).containsExactly(0.25f, 0.25f, 0f);
    assertThat(s.predictedClass()).as("ties go to the lowest index").isZero();
  }

  @Test
  void identicalPassesHaveZeroVarianceAndZeroMutualInformation() {
    // Three passes of [0.5, 0.25, 0.25] (exact in binary); K = 3, C = 3.
    // H = -(0.5 ln 0.5 + 2 · 0.25 ln 0.25) = 0.5 ln 2 + ln 2 = 1.5 ln 2 = 1.0397207708
    // certainty = 1 - 1.0397207708 / ln 3 = 1 - 0.9463946304 = 0.0536053696
    float[] p = {0.5f, 0.25f, 0.25f};
    McDropoutStatistics s = McDropoutStatistics.of(new float[][] {p, p.clone(), p.clone()});

    assertThat(s.passes()).isEqualTo(3);
    assertThat(s.meanProbabilities()).containsExactly(p);
    assertThat(s.variance()).containsExactly(0f, 0f, 0f);
    assertThat(s.mutualInformation()).isZero();
    assertThat(s.predictiveEntropy()).isCloseTo(1.0397207708, within(EPS));
    assertThat(s.certainty()).isCloseTo(0.0536053696, within(EPS));
    assertThat(s.predictedClass()).isZero();
  }

  @Test
  void uniformHasCertaintyZeroAndOneHotHasCertaintyOne() {
    McDropoutStatistics uniform =
        McDropoutStatistics.ofSinglePass(new float[] {0.25f, 0.25f, 0.25f, 0.25f});
    assertThat(uniform.certainty()).isCloseTo(0.0, within(EPS));
    assertThat(uniform.predictiveEntropy()).isCloseTo(Math.log(4), within(EPS));

    McDropoutStatistics oneHot = McDropoutStatistics.ofSinglePass(new float[] {0f, 1f, 0f});
    assertThat(oneHot.certainty()).isEqualTo(1.0);
    assertThat(oneHot.predictiveEntropy()).isZero();
    assertThat(oneHot.predictedClass()).isEqualTo(1);
  }

  @Test
  void singleClassIsCertain() {
    McDropoutStatistics s = McDropoutStatistics.of(new float[][] {{1f}, {1f}});
    assertThat(s.certainty()).isEqualTo(1.0);
    assertThat(s.predictiveEntropy()).isZero();
    assertThat(s.mutualInformation()).isZero();
    assertThat(s.predictedClass()).isZero();
  }

  @Test
  void singlePassHasZeroVarianceAndMutualInformation() {
    float[] p = {0.1f, 0.6f, 0.3f};
    McDropoutStatistics s = McDropoutStatistics.ofSinglePass(p);
    assertThat(s.passes()).isEqualTo(1);
    assertThat(s.meanProbabilities()).containsExactly(p);
    assertThat(s.variance()).containsExactly(0f, 0f, 0f);
    assertThat(s.mutualInformation()).isZero();
    assertThat(s.predictedClass()).isEqualTo(1);
    assertThat(s).isEqualTo(McDropoutStatistics.of(new float[][] {p}));
  }

  @Test
  void accumulatorEqualsArrayForm() {
    for (long seed : new long[] {7, 8, 9}) {
      float[][] passes = randomPasses(new SplittableRandom(seed), 9, 6);
      McDropoutStatistics fromArray = McDropoutStatistics.of(passes);

      McDropoutStatistics.Accumulator acc = new McDropoutStatistics.Accumulator(6);
      for (float[] pass : passes) {
        acc.add(pass);
      }
      McDropoutStatistics streamed = acc.build();
      assertThat(streamed).isEqualTo(fromArray);

      // Both forms share the accumulator, so also check them against an independent two-pass
      // double-precision reference computed here from the K probability vectors.
      Reference ref = new Reference(passes);
      for (McDropoutStatistics s : new McDropoutStatistics[] {fromArray, streamed}) {
        assertThat(s.passes()).isEqualTo(9);
        for (int c = 0; c < 6; c++) {
          // Stored as float: within float rounding of the double reference.
          assertThat((double) s.meanProbabilities()[c]).as("mean[%d], seed %d", c, seed).isCloseTo(ref.mean[c], within(1e-7));
          assertThat((double) s.variance()[c]).as("variance[%d], seed %d", c, seed).isCloseTo(ref.variance[c], within(1e-7));
        }
        assertThat(s.predictiveEntropy()).as("entropy, seed %d", seed).isCloseTo(ref.entropy, within(1e-12));
        assertThat(s.certainty()).as("certainty, seed %d", seed).isCloseTo(ref.certainty, within(1e-12));
        assertThat(s.mutualInformation()).as("MI, seed %d", seed).isCloseTo(ref.mutualInformation, within(1e-12));
        assertThat(s.predictedClass()).as("argmax, seed %d", seed).isEqualTo(ref.argmax);
      }
      assertThat(ref.mutualInformation).as("the passes disagree").isGreaterThan(1e-3);
      assertThat(java.util.Arrays.stream(ref.variance).max().orElseThrow()).as("the passes disagree").isGreaterThan(1e-4);
    }
  }

  /**
   * Two-pass double-precision statistics of K probability vectors, written out independently of
   * {@link McDropoutStatistics}: first the mean, then squared deviations from it.
   */
  private static final class Reference {
    final double[] mean;
    final double[] variance;
    final double entropy;
    final double certainty;
    final double mutualInformation;
    final int argmax;

    Reference(float[][] passes) {
      int k = passes.length;
      int c = passes[0].length;
      mean = new double[c];
      for (float[] pass : passes) {
        for (int j = 0; j < c; j++) {
          mean[j] += pass[j];
        }
      }
      for (int j = 0; j < c; j++) {
        mean[j] /= k;
      }
      variance = new double[c];
      double meanPassEntropy = 0;
      for (float[] pass : passes) {
        double h = 0;
        for (int j = 0; j < c; j++) {
          double d = pass[j] - mean[j];
          variance[j] += d * d;
          if (pass[j] > 0) {
            h -= pass[j] * Math.log(pass[j]);
          }
        }
        meanPassEntropy += h / k;
      }
      int best = 0;
      double h = 0;
      for (int j = 0; j < c; j++) {
        variance[j] /= k;
        if (mean[j] > 0) {
          h -= mean[j] * Math.log(mean[j]);
        }
        if (mean[j] > mean[best]) {
          best = j;
        }
      }
      entropy = h;
      certainty = 1 - h / Math.log(c);
      mutualInformation = h - meanPassEntropy;
      argmax = best;
    }
  }

  @Test
  void accumulatorResetReusesCleanly() {
    float[][] first = randomPasses(new SplittableRandom(1), 4, 3);
    float[][] second = randomPasses(new SplittableRandom(2), 5, 3);
    McDropoutStatistics.Accumulator acc = new McDropoutStatistics.Accumulator(3);
    for (float[] pass : first) {
      acc.add(pass);
    }
    acc.reset();
    assertThat(acc.passes()).isZero();
    for (float[] pass : second) {
      acc.add(pass);
    }
    assertThat(acc.build()).isEqualTo(McDropoutStatistics.of(second));
  }

  @Test
  void accumulatorRejectsBuildWithoutPassesAndKeepsStateOnBadAdd() {
    McDropoutStatistics.Accumulator acc = new McDropoutStatistics.Accumulator(2);
    assertThatThrownBy(acc::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("build() needs >= 1 pass, got: 0");
    acc.add(new float[] {0.9f, 0.1f});
    assertThatThrownBy(() -> acc.add(new float[] {0.5f, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class);
    acc.add(new float[] {0.5f, 0.5f});
    assertThat(acc.build())
        .isEqualTo(McDropoutStatistics.of(new float[][] {{0.9f, 0.1f}, {0.5f, 0.5f}}));
    assertThatThrownBy(() -> new McDropoutStatistics.Accumulator(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("numClasses must be >= 1, got: 0");
  }

  @Test
  void returnedArraysAreCopies() {
    McDropoutStatistics s = McDropoutStatistics.of(new float[][] {{0.9f, 0.1f}, {0.5f, 0.5f}});
    s.meanProbabilities()[0] = 42f;
    s.variance()[0] = 42f;
    assertThat((double) s.meanProbabilities()[0]).isCloseTo(0.7, within(EPS));
    assertThat((double) s.variance()[0]).isCloseTo(0.04, within(EPS));
  }

  @Test
  void rejectsNoPasses() {
    assertThatThrownBy(() -> McDropoutStatistics.of(new float[0][]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("passProbabilities must hold >= 1 pass, got: 0");
  }

  @Test
  void rejectsUnequalLengths() {
    assertThatThrownBy(() -> McDropoutStatistics.of(new float[][] {{0.5f, 0.5f}, {1f}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pass 1 has 1 classes, expected 2");
  }

  @Test
  void rejectsNonFiniteAndOutOfRangeValues() {
    assertThatThrownBy(() -> McDropoutStatistics.of(new float[][] {{0.5f, Float.NaN}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pass 0 probability[1] must be finite and in [0, 1], got: NaN");
    assertThatThrownBy(
            () -> McDropoutStatistics.of(new float[][] {{0.5f, 0.5f}, {1.5f, -0.5f}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pass 1 probability[0] must be finite and in [0, 1], got: 1.5");
  }

  @Test
  void rejectsRowsThatDoNotSumToOne() {
    assertThatThrownBy(() -> McDropoutStatistics.ofSinglePass(new float[] {0.2f, 0.2f}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pass 0 probabilities must sum to 1 (tolerance 0.001), got: 0.4");
  }

  private static float[][] randomPasses(SplittableRandom random, int k, int c) {
    float[][] passes = new float[k][c];
    for (int i = 0; i < k; i++) {
      float[] logits = new float[c];
      for (int j = 0; j < c; j++) {
        logits[j] = (float) (random.nextGaussian() * 2);
      }
      passes[i] = Softmax.softmax(logits);
    }
    return passes;
  }
}
