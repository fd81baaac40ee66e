package org.sparkdistill.method.lelp;

import dev.ludovic.netlib.lapack.LAPACK;
import java.util.Locale;
import java.util.SplittableRandom;
import org.netlib.util.intW;

/**
 * The driver-side linear algebra of the LELP fit, in double precision: the projector onto the
 * null space of the teacher head W, the top principal directions of a symmetric matrix (LAPACK
 * {@code dsyev}, through the netlib-java facade Spark ships: native where installed, else its pure
 * Java build), and a seeded random orthonormal rotation. Matrices are row-major {@code double[]}.
 * Cost: one d×d eigendecomposition per class (O(d³), about 0.1 s at d = 384).
 */
public final class LelpMath {
  /** Singular values below this share of the largest count as zero when ranking W. */
  static final double RANK_TOLERANCE = 1e-9;

  private LelpMath() {}

  /** The null-space projector and rank of W. */
  public record NullSpace(double[] projector, int rank, int dim) {}

  /**
   * P = I − U Uᵀ where U spans the row space of W ({@code [C][d]}), from the eigenvectors of WᵀW
   * with eigenvalue above {@link #RANK_TOLERANCE} of the largest. P h is orthogonal to every row
   * of W.
   */
  public static NullSpace nullSpace(double[][] w) {
    int d = w[0].length;
    double[] wtw = new double[d * d];
    for (double[] row : w) {
      if (row.length != d) {
        throw new IllegalArgumentException("teacher head W rows have different widths: " + row.length + " and " + d);
      }
      for (int i = 0; i < d; i++) {
        for (int j = 0; j < d; j++) {
          wtw[i * d + j] += row[i] * row[j];
        }
      }
    }
    Eigen e = eigen(wtw, d);
    double max = e.values[d - 1];
    double[] p = new double[d * d];
    for (int i = 0; i < d; i++) {
      p[i * d + i] = 1;
    }
    int rank = 0;
    for (int k = 0; k < d; k++) {
      if (max > 0 && e.values[k] > RANK_TOLERANCE * max) {
        rank++;
        for (int i = 0; i < d; i++) {
          double ui = e.vector(k, i);
          for (int j = 0; j < d; j++) {
            p[i * d + j] -= ui * e.vector(k, j);
          }
        }
      }
    }
    return new NullSpace(p, rank, d);
  }

  /** P A P for symmetric d×d A and projector P. */
  public static double[] sandwich(double[] p, double[] a, int d) {
    return multiply(multiply(p, a, d), p, d);
  }

  static double[] multiply(double[] a, double[] b, int d) {
    double[] out = new double[d * d];
    for (int i = 0; i < d; i++) {
      for (int k = 0; k < d; k++) {
        double aik = a[i * d + k];
        if (aik == 0) {
          continue;
        }
        for (int j = 0; j < d; j++) {
          out[i * d + j] += aik * b[k * d + j];
        }
      }
    }
    return out;
  }

  /** Eigenvalues ascending, and eigenvectors (vector k is column k of the column-major result). */
  record Eigen(double[] values, double[] vectors, int dim) {
    double vector(int k, int i) {
      return vectors[k * dim + i];
    }
  }

  /** Eigendecomposition of symmetric d×d {@code a} (row-major; symmetric, so the layout does not matter). */
  static Eigen eigen(double[] a, int d) {
    double[] m = a.clone();
    double[] w = new double[d];
    intW info = new intW(0);
    double[] query = new double[1];
    LAPACK lapack = LAPACK.getInstance();
    lapack.dsyev("V", "U", d, m, d, w, query, -1, info);
    double[] work = new double[Math.max(1, (int) query[0])];
    lapack.dsyev("V", "U", d, m, d, w, work, work.length, info);
    if (info.val != 0) {
      throw new IllegalStateException("LAPACK dsyev failed (info " + info.val + ") on a " + d + "x" + d + " matrix");
    }
    return new Eigen(w, m, d);
  }

  /** The top-S eigenvectors of symmetric {@code a}, as d×S row-major, and their eigenvalues (descending). */
  public record Directions(double[] vectors, double[] values) {}

  public static Directions top(double[] a, int d, int s) {
    Eigen e = eigen(a, d);
    double[] v = new double[d * s];
    double[] values = new double[s];
    for (int col = 0; col < s; col++) {
      int k = d - 1 - col;
      values[col] = e.values[k];
      for (int i = 0; i < d; i++) {
        v[i * s + col] = e.vector(k, i);
      }
    }
    return new Directions(v, values);
  }

  /**
   * A seeded random S×S orthonormal matrix (row-major): Gram–Schmidt on Gaussian columns, with the
   * signs fixed so that it is Haar-distributed (the QR of a Gaussian matrix with positive R
   * diagonal).
   */
  public static double[] rotation(int s, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] cols = new double[s][s];
    for (int j = 0; j < s; j++) {
      for (int i = 0; i < s; i++) {
        cols[j][i] = gaussian(random);
      }
      for (int k = 0; k < j; k++) {
        double dot = 0;
        for (int i = 0; i < s; i++) {
          dot += cols[j][i] * cols[k][i];
        }
        for (int i = 0; i < s; i++) {
          cols[j][i] -= dot * cols[k][i];
        }
      }
      double norm = 0;
      for (int i = 0; i < s; i++) {
        norm += cols[j][i] * cols[j][i];
      }
      norm = Math.sqrt(norm);
      if (!(norm > 1e-12)) {
        throw new IllegalStateException(String.format(Locale.ROOT, "random rotation: degenerate Gaussian draw (seed %d)", seed));
      }
      for (int i = 0; i < s; i++) {
        cols[j][i] /= norm;
      }
    }
    double[] q = new double[s * s];
    for (int i = 0; i < s; i++) {
      for (int j = 0; j < s; j++) {
        q[i * s + j] = cols[j][i];
      }
    }
    return q;
  }

  private static double gaussian(SplittableRandom random) {
    double u1 = random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** (d×S) · (S×S), row-major. */
  public static double[] times(double[] v, int d, int s, double[] q) {
    double[] out = new double[d * s];
    for (int i = 0; i < d; i++) {
      for (int k = 0; k < s; k++) {
        double vik = v[i * s + k];
        for (int j = 0; j < s; j++) {
          out[i * s + j] += vik * q[k * s + j];
        }
      }
    }
    return out;
  }

  /**
   * How much a row's targets split each class, as the class-probability-weighted normalised
   * entropy of the within-class split: Σ_c p_c · H(p_{c,·} / p_c) / log S with p_c = Σ_s p_{c,s}.
   * 1: every class split evenly (the targets carry nothing plain KD's do not); 0: each class's
   * mass on one subclass. A class with p_c = 0 adds nothing; S = 1 gives 0.
   *
   * @param target C·S values, class-major
   */
  public static double subclassEntropy(float[] target, int subclasses) {
    if (subclasses < 2) {
      return 0;
    }
    double total = 0;
    double mass = 0;
    for (int c = 0; c < target.length / subclasses; c++) {
      double pc = 0;
      for (int k = 0; k < subclasses; k++) {
        pc += target[c * subclasses + k];
      }
      if (!(pc > 0)) {
        continue;
      }
      double h = 0;
      for (int k = 0; k < subclasses; k++) {
        double q = target[c * subclasses + k] / pc;
        if (q > 0) {
          h -= q * Math.log(q);
        }
      }
      total += pc * h;
      mass += pc;
    }
    return mass > 0 ? total / mass / Math.log(subclasses) : 0;
  }
}
