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

/** Embedding distillation's loss on hand-computed cases, its gradient, and its double reference. */
class FeatureMatchLossTest {
  private static NDArray compute(NDManager m, FeatureMatchLoss loss, NDArray logits, float[][] h, long[] y, float[] w) {
    return loss.compute(logits, m.create(h), m.create(y), m.create(w));
  }

  /**
   * C = 2 classes, d = 2 feature outputs, λ = 2, N = 2.
   *
   * <pre>
   * row 0: class logits (0, 0), label 0 → CE = ln 2 = 0.6931471806
   *        projection (1, 0), h = (0, 0) → ‖g − h‖² = 1 → λ · 1 = 2; weight 1 → 2.6931471806
   * row 1: class logits (5, −3), label −1 → no CE
   *        projection (0.5, 0.5), h = (0.5, −0.5) → ‖g − h‖² = 1 → 2; weight 0.5 → 1
   * L = (2.6931471806 + 1) / 2 = 1.8465735903; CE part 0.3465735903, feature part 1.5
   * ∂L/∂g for row 0 = (1/N) · w · λ · 2 (g − h) = 0.5 · 1 · 2 · 2 · (1, 0) = (2, 0)
   * ∂L/∂g for row 1 = 0.5 · 0.5 · 2 · 2 · (0, 1) = (0, 1)
   * ∂L/∂s for row 0's class logits = (1/N)(softmax − onehot) = 0.5 · (0.5 − 1, 0.5) = (−0.25, 0.25)
   * row 1's class logits get no gradient (no label)
   * </pre>
   */
  @Test
  void handComputedLossAndGradient() {
    float[][] s = {{0f, 0f, 1f, 0f}, {5f, -3f, 0.5f, 0.5f}};
    float[][] h = {{0f, 0f}, {0.5f, -0.5f}};
    int[] y = {0, -1};
    float[] w = {1f, 0.5f};
    double[] ref = FeatureMatchLoss.reference(s, h, y, w, 2, 2.0);
    assertThat(ref[0]).isCloseTo(1.8465735903, within(1e-9));
    assertThat(ref[1]).isCloseTo(0.3465735903, within(1e-9));
    assertThat(ref[2]).isCloseTo(1.5, within(1e-9));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.create(s);
      logits.setRequiresGradient(true);
      float value;
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray l = compute(m, new FeatureMatchLoss(2, 2.0), logits, h, new long[] {0, -1}, w);
        value = l.getFloat();
        GarbageCollection.collectNow();
        gc.backward(l);
      }
      assertThat((double) value).isCloseTo(1.8465735903, within(1e-6));
      float[] g = logits.getGradient().toFloatArray();
      float[] expected = {-0.25f, 0.25f, 2f, 0f, 0f, 0f, 0f, 1f};
      for (int j = 0; j < expected.length; j++) {
        assertThat((double) g[j]).as("gradient %d", j).isCloseTo(expected[j], within(1e-6));
      }
    }
  }

  /** λ = 0 leaves the plain mean CE over N (unlabelled rows count in N but add nothing). */
  @Test
  void weightZeroIsTheLabelCrossEntropy() {
    float[][] s = {{(float) Math.log(3), 0f, 9f}, {1f, 1f, -4f}};
    float[][] h = {{0f}, {0f}};
    // row 0: softmax(ln 3, 0) = (0.75, 0.25), label 1 → CE = ln 4; row 1 label −1
    double[] ref = FeatureMatchLoss.reference(s, h, new int[] {1, -1}, new float[] {1f, 1f}, 2, 0.0);
    assertThat(ref[0]).isCloseTo(Math.log(4) / 2, within(1e-7));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      double v = compute(m, new FeatureMatchLoss(2, 0.0), m.create(s), h, new long[] {1, -1}, new float[] {1f, 1f}).getFloat();
      assertThat(v).isCloseTo(Math.log(4) / 2, within(1e-6));
    }
  }

  @Test
  void matchesTheDoubleReferenceOnRandomBatches() {
    Random rng = new Random(11);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (int trial = 0; trial < 10; trial++) {
        int n = 1 + rng.nextInt(6);
        int c = 2 + rng.nextInt(3);
        int d = 1 + rng.nextInt(8);
        float[][] s = new float[n][c + d];
        float[][] h = new float[n][d];
        int[] y = new int[n];
        long[] labels = new long[n];
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < c + d; j++) {
            s[i][j] = (float) rng.nextGaussian();
          }
          for (int k = 0; k < d; k++) {
            h[i][k] = (float) rng.nextGaussian() * 0.2f;
          }
          y[i] = rng.nextInt(c + 1) - 1;
          labels[i] = y[i];
          w[i] = 0.5f + rng.nextFloat();
        }
        double lambda = rng.nextDouble() * 5;
        double expected = FeatureMatchLoss.reference(s, h, y, w, c, lambda)[0];
        double got = compute(m, new FeatureMatchLoss(c, lambda), m.create(s), h, labels, w).getFloat();
        assertThat(got).as("trial %d", trial).isCloseTo(expected, within(1e-5 * Math.max(1, Math.abs(expected))));
      }
    }
  }

  @Test
  void refusesBadShapesLabelsAndWeights() {
    assertThatThrownBy(() -> new FeatureMatchLoss(2, -1)).hasMessageContaining("student.featureWeight must be finite and >= 0, got: -1.0");
    assertThatThrownBy(() -> new FeatureMatchLoss(0, 1)).hasMessageContaining("classes must be >= 1");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      FeatureMatchLoss loss = new FeatureMatchLoss(2, 1.0);
      NDArray logits = m.create(new float[][] {{0f, 0f, 1f, 1f}});
      assertThatThrownBy(() -> compute(m, loss, logits, new float[][] {{0f, 0f, 0f}}, new long[] {0}, new float[] {1f}))
          .hasMessageContaining("targets (teacher features) must be [1, 2]");
      assertThatThrownBy(() -> compute(m, loss, logits, new float[][] {{0f, 0f}}, new long[] {2}, new float[] {1f}))
          .hasMessageContaining("labels must be in [-1, 2), got labels[0] = 2");
      assertThatThrownBy(() -> compute(m, loss, m.create(new float[][] {{0f, 0f}}), new float[][] {{0f}}, new long[] {0}, new float[] {1f}))
          .hasMessageContaining("needs the 2 class outputs and at least one feature output");
    }
  }
}
