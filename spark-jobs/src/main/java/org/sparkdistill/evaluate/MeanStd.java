package org.sparkdistill.evaluate;

import java.util.Locale;

/**
 * Mean and sample standard deviation (divisor n - 1) of a small set of runs, e.g. one metric over
 * several seeds, formatted as {@code "0.731 ± 0.012"}. With a single run the standard deviation is
 * undefined: {@code std} is NaN and {@link #format()} says {@code "0.731 (n=1)"}.
 *
 * @param mean arithmetic mean of the values
 * @param std sample standard deviation, sqrt(sum (x - mean)^2 / (n - 1)); NaN when n is 1
 * @param n number of values, at least 1
 */
public record MeanStd(double mean, double std, int n) {
  public MeanStd {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, got " + n);
    }
    if (!Double.isFinite(mean)) {
      throw new IllegalArgumentException("mean must be finite, got " + mean);
    }
    if (n == 1 ? !Double.isNaN(std) : !(std >= 0 && Double.isFinite(std))) {
      throw new IllegalArgumentException(
          "std must be NaN when n is 1 and a finite value >= 0 otherwise, got " + std + " with n=" + n);
    }
  }

  /**
   * Mean and sample standard deviation of {@code values}.
   *
   * @throws IllegalArgumentException if there are no values or one is not finite
   */
  public static MeanStd of(double... values) {
    if (values == null || values.length == 0) {
      throw new IllegalArgumentException("MeanStd needs at least one value, got none");
    }
    double sum = 0;
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException("values must be finite, got " + values[i] + " at index " + i);
      }
      sum += values[i];
    }
    int n = values.length;
    double mean = sum / n;
    if (n == 1) {
      return new MeanStd(mean, Double.NaN, 1);
    }
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    return new MeanStd(mean, Math.sqrt(squares / (n - 1)), n);
  }

  /** {@code "0.731 ± 0.012"} (three decimals), or {@code "0.731 (n=1)"} for a single run. */
  public String format() {
    if (n == 1) {
      return String.format(Locale.ROOT, "%.3f (n=1)", mean);
    }
    return String.format(Locale.ROOT, "%.3f ± %.3f", mean, std);
  }
}
