package org.sparkdistill.udfs.kgc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** PMD's three-term loss against a double-precision loop written from the formulas of methods.md §3. */
class PmdLossTest {
  private static final double[][] QS = unit(new double[][] {{1, 0.2, 0}, {0.1, 1, 0.3}, {0.5, 0.5, 0.5}});
  private static final double[][] ES = unit(new double[][] {{0.9, 0.1, 0.1}, {0, 1, 0}, {0.2, 0.1, 1}});
  private static final double[][] QT = unit(new double[][] {{1, 0, 0.1}, {0.3, 0.3, 0.9}, {0, 1, 1}});
  private static final double[][] ET = unit(new double[][] {{1, 0.3, 0}, {0.2, 1, 0.1}, {0, 0.2, 1}});
  private static final double[][] FQS = unit(new double[][] {{0.3, 0.1, 0.9}, {1, 1, 0}, {0, 0, 0}}); // row 2: no masked token
  private static final double[][] FQT = unit(new double[][] {{0.2, 0.2, 1}, {1, 0.5, 0.1}, {0, 0, 0}});
  private static final double[][] FES = unit(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  private static final double[][] FET = unit(new double[][] {{0.8, 0.1, 0.2}, {0.1, 0.9, 0.1}, {0.3, 0, 1}});
  private static final float[] KEEP = {1, 0, 1, 1, 1, 1, 1, 1, 1}; // query 0's candidate 1 is a false negative
  private static final double TAU_S = 0.05;
  private static final double TAU_T = 0.04;

  @Test
  void isTheWeightedSumOfContrastiveScoreAndFeatureTerms() {
    double alpha = 0.1;
    double beta = 0.1;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      PmdLoss.Terms terms = PmdLoss.compute(side(m, QS, ES, FQS, FES, TAU_S), null, side(m, QT, ET, FQT, FET, TAU_T), m.create(KEEP, new Shape(3, 3)), m.ones(new Shape(3)), 0.02f, false, alpha, beta);
      double ce = contrastive(0.02);
      double score = 0;
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          double d = KEEP[i * 3 + j] * (dot(QS[i], ES[j]) / TAU_S - dot(QT[i], ET[j]) / TAU_T);
          score += d * d / 9;
        }
      }
      double feature = mse(FQS, FQT) + mse(FES, FET);
      assertThat((double) terms.contrastive().getFloat()).isCloseTo(ce, within(2e-4));
      assertThat((double) terms.score().getFloat()).isCloseTo(score, within(2e-3 * Math.max(1, score)));
      assertThat((double) terms.feature().getFloat()).isCloseTo(feature, within(1e-5));
      assertThat((double) terms.total().getFloat()).isCloseTo((1 - alpha - beta) * ce + alpha * score + beta * feature, within(2e-3 * Math.max(1, score)));
    }
  }

  @Test
  void withoutDistillationWeightsItIsTheContrastiveLoss() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      PmdLoss.Terms terms = PmdLoss.compute(side(m, QS, ES, FQS, FES, TAU_S), null, side(m, QT, ET, FQT, FET, TAU_T), m.create(KEEP, new Shape(3, 3)), m.ones(new Shape(3)), 0.02f, false, 0, 0);
      assertThat((double) terms.total().getFloat()).isCloseTo(contrastive(0.02), within(2e-4));
    }
  }

  @Test
  void refusesWeightsThatLeaveNoContrastiveTerm() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThatThrownBy(() -> PmdLoss.compute(side(m, QS, ES, FQS, FES, TAU_S), null, side(m, QT, ET, FQT, FET, TAU_T), m.create(KEEP, new Shape(3, 3)), m.ones(new Shape(3)), 0.02f, false, 0.6, 0.4))
          .hasMessageContaining("alpha + beta < 1, got 0.6 and 0.4");
    }
  }

  /** Mean over queries of CE over the in-batch answers, margin on the positive, false negatives at -1e4. */
  private static double contrastive(double margin) {
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      double[] z = new double[3];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < 3; j++) {
        z[j] = KEEP[i * 3 + j] == 0 ? -1e4 : (dot(QS[i], ES[j]) - (i == j ? margin : 0)) / TAU_S;
        max = Math.max(max, z[j]);
      }
      double norm = 0;
      for (double v : z) {
        norm += Math.exp(v - max);
      }
      sum += -(z[i] - max - Math.log(norm));
    }
    return sum / 3;
  }

  private static double mse(double[][] a, double[][] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        s += (a[i][j] - b[i][j]) * (a[i][j] - b[i][j]);
      }
    }
    return s / (a.length * a[0].length);
  }

  private static PmdLoss.Side side(NDManager m, double[][] q, double[][] e, double[][] fq, double[][] fe, double tau) {
    return new PmdLoss.Side(array(m, q), array(m, e), array(m, fq), array(m, fe), m.create(new float[] {(float) Math.log(1 / tau)}, new Shape(1)));
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static NDArray array(NDManager m, double[][] x) {
    float[] flat = new float[x.length * x[0].length];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x[i].length; j++) {
        flat[i * x[0].length + j] = (float) x[i][j];
      }
    }
    return m.create(flat, new Shape(x.length, x[0].length));
  }

  private static double[][] unit(double[][] x) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double n = Math.sqrt(dot(x[i], x[i]));
      out[i] = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) {
        out[i][j] = n == 0 ? 0 : x[i][j] / n;
      }
    }
    return out;
  }
}
