package org.sparkdistill.method.lelp;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Per-class first and second moments of feature vectors, accumulated in one distributed pass
 * ({@code treeAggregate}): for every class c the row count n_c, the sum Σ h and the upper triangle
 * of Σ h hᵀ, in double precision. Rows are never collected; only these C·(d + d(d+1)/2) numbers
 * travel (C = 4, d = 384: 2.4 MB; C = 20: 12 MB per partial).
 *
 * <p>Cost per row: d(d+1)/2 multiply-adds (74k at d = 384). Every value is checked: a NaN or
 * infinite feature, or a row of another width, is an error naming the row id, the index and the
 * value.
 */
public final class ClassMoments implements Serializable {
  private static final long serialVersionUID = 1L;

  final int classes;
  /** Feature width; −1 until the first row. */
  int dim = -1;
  final long[] counts;
  double[][] sums;
  /** Packed upper triangle, row-major: (i, j ≥ i) at i·d − i(i−1)/2 + (j − i). */
  double[][] outer;
  private final String source;

  public ClassMoments(int classes, String source) {
    this.classes = classes;
    this.counts = new long[classes];
    this.source = source;
  }

  private void init(int d) {
    dim = d;
    sums = new double[classes][d];
    outer = new double[classes][d * (d + 1) / 2];
  }

  /** Adds one row of class {@code c}. */
  public ClassMoments add(String id, int c, List<Float> features) {
    if (c < 0 || c >= classes) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s, row id=%s: class index %d is outside [0, %d)", source, id, c, classes));
    }
    int d = features.size();
    if (dim < 0) {
      if (d == 0) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s, row id=%s, column features: the embedding is empty", source, id));
      }
      init(d);
    } else if (d != dim) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s, row id=%s, column features: embedding dimension %d differs from the other rows' %d", source, id, d, dim));
    }
    double[] h = new double[d];
    for (int i = 0; i < d; i++) {
      Float v = features.get(i);
      if (v == null || !Float.isFinite(v)) {
        throw new IllegalArgumentException(
            String.format(Locale.ROOT, "%s, row id=%s, column features[%d]: expected a finite number, got %s", source, id, i, v));
      }
      h[i] = v;
    }
    counts[c]++;
    double[] s = sums[c];
    double[] o = outer[c];
    int k = 0;
    for (int i = 0; i < d; i++) {
      double hi = h[i];
      s[i] += hi;
      for (int j = i; j < d; j++) {
        o[k++] += hi * h[j];
      }
    }
    return this;
  }

  /** Adds another partial (combine step of the aggregation); returns this. */
  public ClassMoments merge(ClassMoments other) {
    if (other.dim < 0) {
      return this;
    }
    if (dim < 0) {
      return other;
    }
    if (other.dim != dim) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "%s, column features: embedding dimension %d in one partition, %d in another", source, dim, other.dim));
    }
    for (int c = 0; c < classes; c++) {
      counts[c] += other.counts[c];
      double[] s = sums[c];
      double[] os = other.sums[c];
      for (int i = 0; i < dim; i++) {
        s[i] += os[i];
      }
      double[] o = outer[c];
      double[] oo = other.outer[c];
      for (int i = 0; i < o.length; i++) {
        o[i] += oo[i];
      }
    }
    return this;
  }

  public int dim() {
    return dim;
  }

  public long count(int c) {
    return counts[c];
  }

  /** Mean of class c. */
  public double[] mean(int c) {
    double[] m = new double[dim];
    for (int i = 0; i < dim; i++) {
      m[i] = sums[c][i] / counts[c];
    }
    return m;
  }

  /**
   * The d×d (row-major) covariance of class c (divided by n_c) when {@code centre}, else the
   * uncentred second moment E[h hᵀ].
   */
  public double[] moment(int c, boolean centre) {
    int d = dim;
    double n = counts[c];
    double[] m = mean(c);
    double[] out = new double[d * d];
    int k = 0;
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double v = outer[c][k++] / n;
        if (centre) {
          v -= m[i] * m[j];
        }
        out[i * d + j] = v;
        out[j * d + i] = v;
      }
    }
    return out;
  }
}
