package org.sparkdistill.method.lelp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fit's linear algebra on hand-built matrices, checked by direct double-precision products. */
class LelpMathTest {
  @Test
  void nullSpaceProjectorIsOrthogonalToTheRowsOfW() {
    SplittableRandom r = new SplittableRandom(3);
    int d = 7;
    double[][] w = new double[3][d];
    for (double[] row : w) {
      for (int i = 0; i < d; i++) {
        row[i] = r.nextDouble() - 0.5;
      }
    }
    LelpMath.NullSpace ns = LelpMath.nullSpace(w);
    assertThat(ns.rank()).isEqualTo(3);
    double[] p = ns.projector();
    // P wᵀ = 0 for every row, P² = P, Pᵀ = P, trace = d − rank
    for (double[] row : w) {
      for (int i = 0; i < d; i++) {
        double v = 0;
        for (int j = 0; j < d; j++) {
          v += p[i * d + j] * row[j];
        }
        assertThat(v).isCloseTo(0, within(1e-12));
      }
    }
    double trace = 0;
    for (int i = 0; i < d; i++) {
      trace += p[i * d + i];
      for (int j = 0; j < d; j++) {
        double pp = 0;
        for (int k = 0; k < d; k++) {
          pp += p[i * d + k] * p[k * d + j];
        }
        assertThat(pp).isCloseTo(p[i * d + j], within(1e-12));
        assertThat(p[i * d + j]).isCloseTo(p[j * d + i], within(1e-12));
      }
    }
    assertThat(trace).isCloseTo(d - 3, within(1e-9));
  }

  @Test
  void rankOfADependentHeadCountsIndependentRowsOnly() {
    double[][] w = {{1, 2, 0, 0}, {2, 4, 0, 0}, {0, 0, 1, 0}};
    assertThat(LelpMath.nullSpace(w).rank()).isEqualTo(2);
  }

  @Test
  void topDirectionsOfAPlantedMatrix() {
    // A = 5 e1 e1ᵀ + 3 u uᵀ + 0.5 I with u = (0, 1, 1, 0)/√2: top two eigenpairs (5.5, e1), (3.5, u).
    int d = 4;
    double s2 = Math.sqrt(0.5);
    double[] u = {0, s2, s2, 0};
    double[] a = new double[d * d];
    for (int i = 0; i < d; i++) {
      a[i * d + i] += 0.5;
      for (int j = 0; j < d; j++) {
        a[i * d + j] += 3 * u[i] * u[j];
      }
    }
    a[0] += 5;
    LelpMath.Directions top = LelpMath.top(a, d, 2);
    assertThat(top.values()[0]).isCloseTo(5.5, within(1e-12));
    assertThat(top.values()[1]).isCloseTo(3.5, within(1e-12));
    assertThat(Math.abs(top.vectors()[0 * 2 + 0])).isCloseTo(1, within(1e-12));
    double dot = 0;
    for (int i = 0; i < d; i++) {
      dot += top.vectors()[i * 2 + 1] * u[i];
    }
    assertThat(Math.abs(dot)).isCloseTo(1, within(1e-12));
  }

  @Test
  void rotationIsOrthonormalAndSeeded() {
    int s = 5;
    double[] q = LelpMath.rotation(s, 11);
    for (int i = 0; i < s; i++) {
      for (int j = 0; j < s; j++) {
        double dot = 0;
        for (int k = 0; k < s; k++) {
          dot += q[k * s + i] * q[k * s + j];
        }
        assertThat(dot).isCloseTo(i == j ? 1 : 0, within(1e-12));
      }
    }
    assertThat(LelpMath.rotation(s, 11)).containsExactly(q);
    assertThat(LelpMath.rotation(s, 12)).isNotEqualTo(q);
  }

  @Test
  void subclassEntropyOfHandBuiltTargets() {
    // S = 4, one class carrying everything split evenly: 1; on one subclass: 0
    assertThat(LelpMath.subclassEntropy(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0, 0, 0, 0}, 4)).isCloseTo(1.0, within(1e-7));
    assertThat(LelpMath.subclassEntropy(new float[] {0, 0, 0, 0, 1, 0, 0, 0}, 4)).isCloseTo(0.0, within(1e-12));
    // class 0 (p 0.6) split 0.3/0.3/0/0: H = log 2, normalised 1/2; class 1 (p 0.4) on one subclass: 0 → 0.6 · 0.5 = 0.3
    assertThat(LelpMath.subclassEntropy(new float[] {0.3f, 0.3f, 0, 0, 0.4f, 0, 0, 0}, 4)).isCloseTo(0.3, within(1e-6));
    // S = 2, class 0 (p 1) split 0.9/0.1: −(0.9 ln 0.9 + 0.1 ln 0.1) / ln 2 = 0.4689955935892812
    assertThat(LelpMath.subclassEntropy(new float[] {0.9f, 0.1f, 0, 0}, 2)).isCloseTo(0.4689955935892812, within(1e-6));
    assertThat(LelpMath.subclassEntropy(new float[] {0.5f, 0.5f}, 1)).isZero();
  }
}
