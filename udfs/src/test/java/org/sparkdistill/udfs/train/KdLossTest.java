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

class KdLossTest {

  private static double[] compute(
      NDManager m, KdLoss loss, float[][] s, float[][] t, int[] y, float[] w) {
    NDArray logits = m.create(s);
    NDArray targets = m.create(t);
    long[] labels = new long[y.length];
    for (int i = 0; i < y.length; i++) {
      labels[i] = y[i];
    }
    NDArray out = loss.compute(logits, targets, m.create(labels), m.create(w));
    assertThat(out.getShape().dimension()).isZero();
    return new double[] {out.getFloat()};
  }

  /**
   * Two rows, three classes, alpha = 0.5, T = 2 (T² = 4), weights {1, 2}.
   *
   * <pre>
   * row 0: s = (0, 0, 0), label 0, t = (0.5, 0.25, 0.25)
   *   CE = −log(1/3) = ln 3 = 1.0986122887
   *   q = softmax(s/2) = (1/3, 1/3, 1/3)
   *   KL = 0.5 ln(0.5·3) + 2 · 0.25 ln(0.25·3) = 0.5 ln 1.5 + 0.5 ln 0.75
   *      = 0.2027325541 − 0.1438410362 = 0.0588915178
   *   row = 0.5 · 1.0986122887 + 0.5 · 4 · 0.0588915178 = 0.5493061443 + 0.1177830357
   * row 1: s = (ln 4, 0, 0), label −1 (no CE), t = (0.25, 0.5, 0.25)
   *   q = softmax(s/2) = softmax(ln 2, 0, 0) = (0.5, 0.25, 0.25)
   *   KL = 0.25 ln(0.25/0.5) + 0.5 ln(0.5/0.25) + 0 = 0.25 ln 2 = 0.1732867951
   *   row = 0.5 · 4 · 0.1732867951 = 0.3465735903, weight 2 → 0.6931471806
   * mean over N = 2:
   *   CE part = 0.5493061443 / 2 = 0.2746530722
   *   KL part = (0.1177830357 + 0.6931471806) / 2 = 0.4054651081 (= ln 1.5)
   *   total   = 0.6801181803
   * </pre>
   */
  @Test
  void handComputedTwoRowsThreeClassesWithTemperatureTwo() {
    float[][] s = {{0f, 0f, 0f}, {(float) Math.log(4), 0f, 0f}};
    float[][] t = {{0.5f, 0.25f, 0.25f}, {0.25f, 0.5f, 0.25f}};
    int[] y = {0, -1};
    float[] w = {1f, 2f};
    double[] ref = KdLoss.reference(s, t, y, w, 0.5, 2.0);
    assertThat(ref[0]).isCloseTo(0.6801181803, within(1e-7));
    assertThat(ref[1]).isCloseTo(0.2746530722, within(1e-7));
    assertThat(ref[2]).isCloseTo(0.4054651081, within(1e-7));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThat(compute(m, new KdLoss(0.5, 2.0), s, t, y, w)[0])
          .isCloseTo(0.6801181803, within(1e-6));
    }
    // Without T² (e.g. T = 1 with the same q) the KL part would be 4 times smaller: check that
    // T enters squared by comparing T = 2 to a run with alpha = 0 and dividing out T².
    double klOnlyT2 = KdLoss.reference(s, t, y, w, 0.0, 2.0)[0];
    assertThat(klOnlyT2 / 4).isCloseTo((0.0588915178 + 2 * 0.1732867951) / 2, within(1e-7));
  }

  @Test
  void matchesReferenceOnRandomBatches() {
    Random rng = new Random(3);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (int trial = 0; trial < 20; trial++) {
        int n = 1 + rng.nextInt(9);
        int c = 2 + rng.nextInt(6);
        float[][] s = new float[n][c];
        float[][] t = new float[n][c];
        int[] y = new int[n];
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
          double sum = 0;
          for (int j = 0; j < c; j++) {
            s[i][j] = (float) (rng.nextGaussian() * 3);
            t[i][j] = rng.nextInt(4) == 0 ? 0f : rng.nextFloat();
            sum += t[i][j];
          }
          if (sum == 0) {
            t[i][0] = 1f;
            sum = 1;
          }
          for (int j = 0; j < c; j++) {
            t[i][j] /= (float) sum;
          }
          y[i] = rng.nextInt(c + 1) - 1;
          w[i] = rng.nextFloat() * 2;
        }
        double alpha = rng.nextDouble();
        double temp = 0.5 + rng.nextDouble() * 4;
        double expected = KdLoss.reference(s, t, y, w, alpha, temp)[0];
        assertThat(compute(m, new KdLoss(alpha, temp), s, t, y, w)[0])
            .as("trial %d", trial)
            .isCloseTo(expected, within(1e-5 * Math.max(1, Math.abs(expected))));
      }
    }
  }

  @Test
  void alphaOneWithAllLabelsIsPlainMeanCrossEntropy() {
    float[][] s = {{2f, -1f, 0.5f}, {0f, 3f, -2f}, {1f, 1f, 1f}};
    float[][] t = {{1f, 0f, 0f}, {0.2f, 0.3f, 0.5f}, {0f, 0f, 1f}};
    int[] y = {2, 1, 0};
    float[] w = {1f, 1f, 1f};
    double ce = 0;
    for (int i = 0; i < 3; i++) {
      double z = 0;
      for (float v : s[i]) {
        z += Math.exp(v);
      }
      ce += -(s[i][y[i]] - Math.log(z));
    }
    ce /= 3;
    double[] ref = KdLoss.reference(s, t, y, w, 1.0, 3.0);
    assertThat(ref[0]).isCloseTo(ce, within(1e-9));
    assertThat(ref[2]).isZero();
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThat(compute(m, new KdLoss(1.0, 3.0), s, t, y, w)[0]).isCloseTo(ce, within(1e-6));
    }
  }

  @Test
  void targetsEqualToSoftenedStudentGiveZeroKl() {
    float[][] s = {{2f, -1f, 0.5f}, {0f, 3f, -2f}};
    double temp = 2.5;
    float[][] t = new float[2][3];
    for (int i = 0; i < 2; i++) {
      double z = 0;
      for (float v : s[i]) {
        z += Math.exp(v / temp);
      }
      for (int j = 0; j < 3; j++) {
        t[i][j] = (float) (Math.exp(s[i][j] / temp) / z);
      }
    }
    int[] y = {-1, -1};
    float[] w = {1f, 3f};
    // targets are rounded to float, so "zero" is zero to ~1e-7 per row
    assertThat(KdLoss.reference(s, t, y, w, 0.0, temp)[0]).isCloseTo(0.0, within(1e-6));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThat(compute(m, new KdLoss(0.0, temp), s, t, y, w)[0]).isCloseTo(0.0, within(1e-6));
    }
  }

  @Test
  void gradientFlowsToTheLogits() {
    float[][] s = {{0f, 0f, 0f}, {1f, 0f, 0f}};
    float[][] t = {{0.5f, 0.25f, 0.25f}, {0.25f, 0.5f, 0.25f}};
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray logits = m.create(s);
      logits.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray loss =
            new KdLoss(0.0, 1.0)
                .compute(logits, m.create(t), m.create(new long[] {-1, -1}), m.create(new float[] {1f, 1f}));
        GarbageCollection.collectNow();
        gc.backward(loss);
      }
      // d/ds KL(t || softmax(s)) = softmax(s) − t, times 1/N
      float[] g = logits.getGradient().toFloatArray();
      assertThat(g[0]).isCloseTo((float) ((1.0 / 3 - 0.5) / 2), within(1e-6f));
      assertThat(g[1]).isCloseTo((float) ((1.0 / 3 - 0.25) / 2), within(1e-6f));
    }
  }

  @Test
  void rejectsBadInputs() {
    assertThatThrownBy(() -> new KdLoss(1.5, 1)).hasMessageContaining("alpha must be in [0, 1], got: 1.5");
    assertThatThrownBy(() -> new KdLoss(0.5, 0)).hasMessageContaining("temperature must be finite and > 0, got: 0.0");
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      KdLoss loss = new KdLoss(0.5, 1);
      NDArray s = m.create(new float[][] {{0f, 1f}});
      NDArray t = m.create(new float[][] {{0.5f, 0.5f}});
      NDArray w = m.create(new float[] {1f});
      assertThatThrownBy(() -> loss.compute(s, t, m.create(new long[] {2}), w))
          .hasMessageContaining("labels must be in [-1, 2), got labels[0] = 2");
      assertThatThrownBy(() -> loss.compute(s, m.create(new float[] {1f, 0f}), m.create(new long[] {0}), w))
          .hasMessageContaining("targets must have the logits' shape");
      assertThatThrownBy(() -> loss.compute(s, t, m.create(new long[] {0, 1}), w))
          .hasMessageContaining("labels must be [1]");
    }
  }
}
