package org.sparkdistill.evaluate;

import java.util.List;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Temperature scaling (Guo et al., 2017): one scalar T > 0 that divides a model's logits before the
 * softmax, fitted by minimising the negative log-likelihood on the validation split. It changes no
 * prediction (the argmax is the same for every T) and only moves confidence: T > 1 softens an
 * over-confident model, T < 1 sharpens an under-confident one.
 *
 * <p>The fit is a golden-section search over log T in [log 0.05, log 20] (the NLL is convex in 1/T
 * for fixed logits, so unimodal in log T), 60 iterations: cost O(60 · n · C) on the driver, for
 * the validation rows only. A student that stores probabilities is scaled through their logarithm
 * (log p equals the logits up to a per-row constant, which the softmax ignores).
 */
public final class TemperatureScaling {
  private static final double LOG_MIN = Math.log(0.05);
  private static final double LOG_MAX = Math.log(20);
  private static final int ITERATIONS = 60;

  private TemperatureScaling() {}

  /**
   * The temperature minimising the mean NLL of {@code labels} under softmax(logits / T).
   *
   * @param logits one array of C logits per row (finite)
   * @param labels the true class index per row, in [0, C)
   * @throws IllegalArgumentException when there are no rows or the sizes disagree
   */
  public static double fit(List<float[]> logits, List<Integer> labels) {
    if (logits.isEmpty() || logits.size() != labels.size()) {
      throw new IllegalArgumentException(
          "temperature scaling needs labelled validation rows, got " + logits.size() + " logit rows and " + labels.size() + " labels");
    }
    double phi = (Math.sqrt(5) - 1) / 2;
    double a = LOG_MIN;
    double b = LOG_MAX;
    double c = b - phi * (b - a);
    double d = a + phi * (b - a);
    double fc = nll(logits, labels, Math.exp(c));
    double fd = nll(logits, labels, Math.exp(d));
    for (int i = 0; i < ITERATIONS; i++) {
      if (fc < fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - phi * (b - a);
        fc = nll(logits, labels, Math.exp(c));
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + phi * (b - a);
        fd = nll(logits, labels, Math.exp(d));
      }
    }
    return Math.exp((a + b) / 2);
  }

  /** Mean negative log-likelihood of the labels under softmax(logits / T), in double precision. */
  public static double nll(List<float[]> logits, List<Integer> labels, double temperature) {
    double sum = 0;
    for (int r = 0; r < logits.size(); r++) {
      float[] z = logits.get(r);
      double max = Double.NEGATIVE_INFINITY;
      for (float v : z) {
        max = Math.max(max, v / temperature);
      }
      double norm = 0;
      for (float v : z) {
        norm += Math.exp(v / temperature - max);
      }
      sum += -(z[labels.get(r)] / temperature - max - Math.log(norm));
    }
    return sum / logits.size();
  }

  /** softmax(logits / T) as floats: {@link Softmax#softmax(float[], double)}. */
  public static float[] probabilities(float[] logits, double temperature) {
    return Softmax.softmax(logits, temperature);
  }

  /**
   * Logits equivalent to stored probabilities: log p, with p floored at 1e-12 so a zero does not
   * become minus infinity.
   */
  public static float[] logitsOfProbabilities(float[] probabilities) {
    float[] out = new float[probabilities.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.log(Math.max(probabilities[i], 1e-12));
    }
    return out;
  }
}
