package org.sparkdistill.udfs.uncertainty;

import java.util.Objects;

/**
 * Numerically stable softmax.
 *
 * <p>The maximum logit is subtracted before exponentiation, so very large logits (e.g. 1000) do
 * not overflow; exponentials and the normaliser are computed in {@code double} and only the
 * final probabilities are narrowed to {@code float}. Cost: O(C) time, one {@code double[C]}
 * scratch array and the {@code float[C]} result.
 */
public final class Softmax {

  private Softmax() {}

  /** Softmax at temperature 1. See {@link #softmax(float[], double)}. */
  public static float[] softmax(float[] logits) {
    return softmax(logits, 1.0);
  }

  /**
   * Softmax of {@code logits / temperature}.
   *
   * <p>Temperature is the calibration knob: values above 1 flatten the distribution (higher
   * entropy), values below 1 sharpen it. It does not change the argmax.
   *
   * @param logits non-empty, every element finite
   * @param temperature finite and {@code > 0}
   * @return a new array of probabilities summing to 1 (up to float rounding)
   * @throws IllegalArgumentException if {@code logits} is empty or has a non-finite element, or
   *     if {@code temperature} is not a finite positive number
   */
  public static float[] softmax(float[] logits, double temperature) {
    Objects.requireNonNull(logits, "logits must not be null");
    if (!(temperature > 0.0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be finite and > 0, got: " + temperature);
    }
    if (logits.length == 0) {
      throw new IllegalArgumentException("logits must not be empty, got length: 0");
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < logits.length; i++) {
      float v = logits[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("logits[" + i + "] must be finite, got: " + v);
      }
      max = Math.max(max, v);
    }
    double[] exp = new double[logits.length];
    double sum = 0.0;
    for (int i = 0; i < logits.length; i++) {
      exp[i] = Math.exp((logits[i] - max) / temperature);
      sum += exp[i];
    }
    // sum >= 1 because the max element contributes exp(0) = 1.
    float[] out = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      out[i] = (float) (exp[i] / sum);
    }
    return out;
  }

  /**
   * Softmax of {@code x / temperature} in double precision, for driver-side target and
   * calibration math that keeps doubles (MUKA's teacher weights, LELP's subclass split). Same
   * max-shift as {@link #softmax(float[], double)}; the caller guarantees finite inputs (the
   * cache readers reject non-finite logits and features with the row named).
   *
   * @param x non-empty
   * @param temperature finite and {@code > 0}
   * @return a new array of probabilities summing to 1 (up to double rounding)
   */
  public static double[] softmax(double[] x, double temperature) {
    Objects.requireNonNull(x, "x must not be null");
    if (!(temperature > 0.0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and > 0, got: " + temperature);
    }
    if (x.length == 0) {
      throw new IllegalArgumentException("x must not be empty, got length: 0");
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      max = Math.max(max, v);
    }
    double[] out = new double[x.length];
    double sum = 0.0;
    for (int i = 0; i < x.length; i++) {
      out[i] = Math.exp((x[i] - max) / temperature);
      sum += out[i];
    }
    for (int i = 0; i < x.length; i++) {
      out[i] /= sum;
    }
    return out;
  }
}
