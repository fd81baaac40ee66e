package org.sparkdistill.udfs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SubclassKdLossTest {
  private static NDArray labels(NDManager m, int[] y) {
    long[] out = new long[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = y[i];
    }
    return m.create(out);
  }

  /**
   * Two classes of two subclasses (4 outputs), α = 0.5, weights {1, 2}.
   *
   * <pre>
   * row 0: s = (0, 0, 0, 0), label 1, p = (0.25, 0.25, 0.25, 0.25)
   *   q = (1/4, 1/4, 1/4, 1/4); class 1 holds q[2] + q[3] = 1/2: CE = ln 2 = 0.6931471806
   *   KL = 0
   *   row = 0.5 · ln 2 = 0.3465735903
   * row 1: s = (ln 3, 0, 0, 0), label −1, p = (0.5, 0, 0.5, 0)
   *   q = (1/2, 1/6, 1/6, 1/6)
   *   KL = 0.5 ln(0.5/0.5) + 0.5 ln(0.5/(1/6)) = 0.5 ln 3 = 0.5493061443
   *   row = 0.5 · 0.5493061443 = 0.2746530722, weight 2 → 0.5493061443
   * mean over N = 2: CE part 0.1732867951, KL part 0.2746530722, total 0.4479398673
   * </pre>
   */
  @Test
  void handComputedTwoRowsTwoClassesOfTwoSubclasses() {
    float[][] s = {{0f, 0f, 0f, 0f}, {(float) Math.log(3), 0f, 0f, 0f}};
    float[][] t = {{0.25f, 0.25f, 0.25f, 0.25f}, {0.5f, 0f, 0.5f, 0f}};
    int[] y = {1, -1};
    float[] w = {1f, 2f};
    double[] ref = SubclassKdLoss.reference(s, t, y, w, 0.5, 2);
    assertThat(ref[0]).isCloseTo(0.4479398673, within(1e-7));
    assertThat(ref[1]).isCloseTo(0.1732867951, within(1e-7));
    assertThat(ref[2]).isCloseTo(0.2746530722, within(1e-7));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float got = new SubclassKdLoss(0.5, 2).compute(m.create(s), m.create(t), labels(m, y), m.create(w)).getFloat();
      assertThat((double) got).isCloseTo(0.4479398673, within(1e-6));
    }
  }

  /** With α = 0 it is KD's loss at α = 0 and T = 1 (LELP as in the paper), whatever the labels. */
  @Test
  void withoutTheLabelTermItIsPlainKdAtTemperatureOne() {
    Random rng = new Random(11);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (int trial = 0; trial < 10; trial++) {
        int n = 1 + rng.nextInt(6);
        int classes = 2 + rng.nextInt(3);
        int sub = 1 + rng.nextInt(4);
        float[][] s = new float[n][classes * sub];
        float[][] t = new float[n][classes * sub];
        int[] y = new int[n];
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
          double sum = 0;
          for (int j = 0; j < classes * sub; j++) {
            s[i][j] = (float) (rng.nextGaussian() * 2);
            t[i][j] = rng.nextFloat();
            sum += t[i][j];
          }
          for (int j = 0; j < classes * sub; j++) {
            t[i][j] /= (float) sum;
          }
          y[i] = rng.nextInt(classes + 1) - 1;
          w[i] = rng.nextFloat() * 2;
        }
        double kd = KdLoss.reference(s, t, y, w, 0.0, 1.0)[0];
        assertThat(SubclassKdLoss.reference(s, t, y, w, 0.0, sub)[0]).isCloseTo(kd, within(1e-9));
        for (double alpha : new double[] {0.0, 0.3, 0.9}) {
          double expected = SubclassKdLoss.reference(s, t, y, w, alpha, sub)[0];
          float got = new SubclassKdLoss(alpha, sub).compute(m.create(s), m.create(t), labels(m, y), m.create(w)).getFloat();
          assertThat((double) got).as("trial %d, alpha %s", trial, alpha).isCloseTo(expected, within(1e-4 * Math.max(1, Math.abs(expected))));
        }
      }
    }
  }

  /**
   * Uniform logits over 2 classes × 2 subclasses, label 0, uniform targets, α = 1, one row: q =
   * 1/4 each, P_0 = 1/2, and d(−log P_0)/ds_j = q_j − 1[j in class 0] · q_j / P_0 = (−1/4, −1/4,
   * 1/4, 1/4).
   */
  @Test
  void theLabelTermsGradientRaisesTheLabelledClassesSubclassesTogether() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.create(new float[][] {{0f, 0f, 0f, 0f}});
      logits.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray loss = new SubclassKdLoss(1.0, 2).compute(logits, m.create(new float[][] {{0.25f, 0.25f, 0.25f, 0.25f}}), m.create(new long[] {0}), m.create(new float[] {1f}));
        GarbageCollection.collectNow();
        gc.backward(loss);
      }
      assertThat(logits.getGradient().toFloatArray()).containsExactly(new float[] {-0.25f, -0.25f, 0.25f, 0.25f}, within(1e-6f));
    }
  }

  @Test
  void rejectsBadInputs() {
    assertThatThrownBy(() -> new SubclassKdLoss(1.5, 2)).hasMessage("alpha must be in [0, 1], got: 1.5");
    assertThatThrownBy(() -> new SubclassKdLoss(0.5, 0)).hasMessage("subclasses must be at least 1, got: 0");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray five = m.create(new float[][] {{0f, 0f, 0f, 0f, 0f}});
      assertThatThrownBy(() -> new SubclassKdLoss(0.5, 2).compute(five, five, m.create(new long[] {0}), m.create(new float[] {1f})))
          .hasMessage("studentLogits must be [N, C x 2], got: (1, 5)");
      NDArray four = m.create(new float[][] {{0f, 0f, 0f, 0f}});
      assertThatThrownBy(() -> new SubclassKdLoss(0.5, 2).compute(four, four, m.create(new long[] {2}), m.create(new float[] {1f})))
          .hasMessage("labels must be class ids in [-1, 2), got labels[0] = 2");
    }
  }
}
