package org.sparkdistill.method.muka;

import org.sparkdistill.udfs.uncertainty.Softmax;

import java.util.Arrays;

/**
 * The target math of MUKA (methods.md §1), per row, in double precision, with no Spark in it:
 * certainty, the union label map with zero-padded teacher blocks, hard and soft teacher
 * selection, the margin weight, and the two baselines' targets. {@link MukaTargets} applies it to
 * the joined teacher caches; tests check it on hand-computed cases.
 *
 * <pre>
 *   p_k      = softmax(logits_k)                       (t = 1)
 *   u_k      = 1 − H(p̄_k) / ln |Y_k|                   (mc: p̄_k from the cache's K passes; no-mc: p̄_k = p_k)
 *   hard     : target = pad(p_k*), k* = argmax_k u_k  (ties: the first teacher)
 *   soft     : target = Σ_k softmax(u / τ)_k · pad(p_k)  (τ = muka.selectionTemperature, 0.2)
 *   weight r = |u_top1 − u_top2| + ε                   (1 without re-weighting)
 *   concat-kd: target = softmax(concat_k logits_k / T) over Σ|Y_k| outputs
 *   uhc      : target = concat_k p_k                     (one distribution per teacher block)
 * </pre>
 *
 * Cost per row: Σ|Y_k| exps and a few passes over the union width.
 */
public final class MukaMath {
  private MukaMath() {}

  /** softmax(x / t) in double precision (max-shifted): {@link Softmax#softmax(double[], double)}. */
  public static double[] softmax(double[] x, double t) {
    return Softmax.softmax(x, t);
  }

  /** 1 − H(p) / ln |p| (natural log, 0·ln 0 = 0); 1 for a single class. */
  public static double certainty(double[] p) {
    if (p.length < 2) {
      return 1.0;
    }
    double h = 0;
    for (double v : p) {
      if (v > 0) {
        h -= v * Math.log(v);
      }
    }
    return 1.0 - h / Math.log(p.length);
  }

  /** {@code p} placed at the union positions {@code block} of a zero vector of width {@code union}. */
  public static double[] pad(double[] p, int[] block, int union) {
    if (p.length != block.length) {
      throw new IllegalArgumentException("a teacher's distribution has " + p.length + " values, its block " + block.length + " labels");
    }
    double[] out = new double[union];
    for (int j = 0; j < block.length; j++) {
      out[block[j]] = p[j];
    }
    return out;
  }

  /** Index of the largest certainty (the first on ties). */
  public static int mostCertain(double[] u) {
    int best = 0;
    for (int k = 1; k < u.length; k++) {
      if (u[k] > u[best]) {
        best = k;
      }
    }
    return best;
  }

  /** r = |u_top1 − u_top2| + ε over two or more teachers. */
  public static double margin(double[] u, double epsilon) {
    if (u.length < 2) {
      throw new IllegalArgumentException("the margin weight needs two or more teachers, got " + u.length);
    }
    double[] sorted = u.clone();
    Arrays.sort(sorted);
    return Math.abs(sorted[sorted.length - 1] - sorted[sorted.length - 2]) + epsilon;
  }

  /** Σ_k w_k · pad(p_k) with w = softmax(u / τ). */
  public static double[] soft(double[][] p, double[] u, int[][] blocks, int union, double tau) {
    double[] w = softmax(u, tau);
    double[] out = new double[union];
    for (int k = 0; k < p.length; k++) {
      double[] padded = pad(p[k], blocks[k], union);
      for (int c = 0; c < union; c++) {
        out[c] += w[k] * padded[c];
      }
    }
    return out;
  }

  /** pad(p_k*) of the most certain teacher. */
  public static double[] hard(double[][] p, double[] u, int[][] blocks, int union) {
    int k = mostCertain(u);
    return pad(p[k], blocks[k], union);
  }

  /** softmax(concat_k logits_k / T), width Σ|Y_k|. */
  public static double[] concatKd(double[][] logits, double temperature) {
    return softmax(concat(logits), temperature);
  }

  /** concat_k p_k, width Σ|Y_k| (each block sums to 1). */
  public static double[] uhc(double[][] p) {
    return concat(p);
  }

  static double[] concat(double[][] parts) {
    int n = 0;
    for (double[] part : parts) {
      n += part.length;
    }
    double[] out = new double[n];
    int at = 0;
    for (double[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }
}
