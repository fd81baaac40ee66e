package org.sparkdistill.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * A fair timing of one pass of work: one warm-up pass first (excluded: JIT, model load into the
 * executor's cache, first-touch allocation), then {@code repeats} timed repeats, each running
 * whole passes until at least {@code minSeconds} have elapsed, so that a fast pass (a student over
 * 128 texts takes milliseconds) is still timed over at least a second. Reports the minimum and
 * median seconds per pass over the repeats.
 *
 * @param min fastest repeat, seconds per pass
 * @param median median repeat, seconds per pass
 * @param repeats timed repeats
 * @param passes total timed passes over all repeats
 */
public record Timing(double min, double median, int repeats, int passes) {
  /** At least a second of timed work per repeat. */
  public static final double MIN_SECONDS = 1.0;

  /** Times {@code pass}; see the class comment. */
  public static Timing of(Runnable pass, int repeats, double minSeconds) {
    if (repeats < 1) {
      throw new IllegalArgumentException("repeats must be >= 1, got: " + repeats);
    }
    pass.run();
    double[] perPass = new double[repeats];
    int total = 0;
    for (int r = 0; r < repeats; r++) {
      int passes = 0;
      long start = System.nanoTime();
      double elapsed;
      do {
        pass.run();
        passes++;
        elapsed = (System.nanoTime() - start) / 1e9;
      } while (elapsed < minSeconds);
      perPass[r] = elapsed / passes;
      total += passes;
    }
    Arrays.sort(perPass);
    int mid = repeats / 2;
    double median = repeats % 2 == 1 ? perPass[mid] : (perPass[mid - 1] + perPass[mid]) / 2;
    return new Timing(perPass[0], median, repeats, total);
  }

  public static Timing of(Runnable pass, int repeats) {
    return of(pass, repeats, MIN_SECONDS);
  }

  /** Relative spread of the repeats: (median - min) / min. */
  public double spread() {
    return (median - min) / min;
  }

  /** e.g. {@code "min 1.234 s, median 1.301 s (3 repeats, 3 passes)"}. */
  public String describe() {
    return String.format(Locale.ROOT, "min %.3f s, median %.3f s per pass (%d repeats, %d passes, warm-up excluded)", min, median, repeats, passes);
  }
}
