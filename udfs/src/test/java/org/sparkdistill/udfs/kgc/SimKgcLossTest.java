package org.sparkdistill.udfs.kgc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** SimKGC's loss against a double-precision loop written from the formula, and the masks by hand. */
class SimKgcLossTest {
  private static final double[][] Q = unit(new double[][] {{1, 0.2, 0}, {0.1, 1, 0.3}, {0.5, 0.5, 0.5}});
  private static final double[][] E = unit(new double[][] {{0.9, 0.1, 0.1}, {0, 1, 0}, {0.2, 0.1, 1}});
  private static final double[][] H = unit(new double[][] {{1, 0, 0.1}, {0.3, 0.3, 0.9}, {0, 1, 1}});
  private static final float[] KEEP = {1, 0, 1, 1, 1, 1, 1, 1, 1}; // query 0's candidate 1 masked
  private static final float[] KEEP_SOURCE = {1, 1, 0}; // query 2's self-negative masked

  @Test
  void matchesTheFormulaInDoublePrecision() {
    double tau = 0.05;
    double margin = 0.02;
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (boolean self : new boolean[] {true, false}) {
        for (boolean symmetric : new boolean[] {true, false}) {
          NDArray loss = SimKgcLoss.compute(
              array(m, Q), array(m, E), self ? array(m, H) : null, m.create(new float[] {(float) Math.log(1 / tau)}, new Shape(1)), (float) margin,
              m.create(KEEP, new Shape(3, 3)), m.create(KEEP_SOURCE, new Shape(3)), symmetric);
          assertThat((double) loss.getFloat()).as("self %s symmetric %s", self, symmetric).isCloseTo(reference(tau, margin, self, symmetric), within(2e-4));
        }
      }
    }
  }

  @Test
  void theTemperatureGetsAGradientAndHitsCountTheTopCandidate() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray t = m.create(new float[] {(float) Math.log(20)}, new Shape(1));
      t.setRequiresGradient(true);
      try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
        c.backward(SimKgcLoss.compute(array(m, Q), array(m, E), array(m, H), t, 0.02f, m.create(KEEP, new Shape(3, 3)), m.create(KEEP_SOURCE, new Shape(3)), true));
      }
      assertThat(Math.abs(t.getGradient().getFloat())).isGreaterThan(0f);
      // cosines by hand: query 0: e0 0.990 - margin 0.02 = 0.970 < its source 0.976 (a miss); query 1: e1 0.953 - 0.02
      // beats e2 0.391 and its source 0.575; query 2: e2 0.732 - 0.02 = 0.712 beats e0 0.697, its source is masked
      int hits = SimKgcLoss.hits(array(m, Q), array(m, E), array(m, H), m.create(new float[] {0f}, new Shape(1)), 0.02f, m.create(KEEP, new Shape(3, 3)), m.create(KEEP_SOURCE, new Shape(3)));
      assertThat(hits).isEqualTo(2);
    }
  }

  @Test
  void masksInBatchAnswersAndSelfLoopsFromTheTrainingAnswers() {
    KgcExamples ex =
        new KgcExamples(
            List.of("f|a|r", "f|b|r", "f|a|r", "f|c|s"), List.of("q", "q", "q", "q"), List.of("a", "b", "a", "c"), List.of("", "", "", ""),
            List.of("x", "y", "z", "x"), List.of("", "", "", ""), Map.of("f|a|r", Set.of("x", "z"), "f|b|r", Set.of("y"), "f|c|s", Set.of("x", "c")));
    float[] keep = ex.keep(new int[] {0, 1, 2, 3});
    // row 0 (a, r): z answers it and row 3's x is its own answer again; row 1 (b, r): only y answers it;
    // row 2 (a, r): x answers it, row 3's x too; row 3 (c, s): x answers it
    assertThat(keep).containsExactly(
        1, 1, 0, 0,
        1, 1, 1, 1,
        0, 1, 1, 0,
        0, 1, 1, 1);
    assertThat(ex.keepSource(new int[] {0, 1, 2, 3})).containsExactly(1, 1, 1, 0);
  }

  /** mean_i CE over [s_i·, s_i*] (+ mean_j CE over the columns), from the formula. */
  private static double reference(double tau, double margin, boolean self, boolean symmetric) {
    int b = Q.length;
    double[][] s = new double[b][b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        s[i][j] = KEEP[i * b + j] == 0 ? -1e4 : (dot(Q[i], E[j]) - (i == j ? margin : 0)) / tau;
      }
    }
    double loss = 0;
    for (int i = 0; i < b; i++) {
      double max = Double.NEGATIVE_INFINITY;
      double[] row = new double[self ? b + 1 : b];
      for (int j = 0; j < b; j++) {
        row[j] = s[i][j];
      }
      if (self) {
        row[b] = KEEP_SOURCE[i] == 0 ? -1e4 : dot(Q[i], H[i]) / tau;
      }
      for (double v : row) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (double v : row) {
        z += Math.exp(v - max);
      }
      loss += -(row[i] - max - Math.log(z)) / b;
    }
    if (symmetric) {
      for (int j = 0; j < b; j++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < b; i++) {
          max = Math.max(max, s[i][j]);
        }
        double z = 0;
        for (int i = 0; i < b; i++) {
          z += Math.exp(s[i][j] - max);
        }
        loss += -(s[j][j] - max - Math.log(z)) / b;
      }
    }
    return loss;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double[][] unit(double[][] v) {
    double[][] out = new double[v.length][];
    for (int i = 0; i < v.length; i++) {
      double n = Math.sqrt(dot(v[i], v[i]));
      out[i] = new double[v[i].length];
      for (int k = 0; k < v[i].length; k++) {
        out[i][k] = v[i][k] / n;
      }
    }
    return out;
  }

  private static NDArray array(NDManager m, double[][] v) {
    float[] flat = new float[v.length * v[0].length];
    for (int i = 0; i < v.length; i++) {
      for (int k = 0; k < v[i].length; k++) {
        flat[i * v[0].length + k] = (float) v[i][k];
      }
    }
    return m.create(flat, new Shape(v.length, v[0].length));
  }
}
