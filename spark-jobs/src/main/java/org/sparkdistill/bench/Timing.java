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
 * <p>Beside wall time it records the process's CPU time per pass (all threads: task threads,
 * ONNX Runtime's, GC, Spark's): on a machine shared with other jobs, wall time measures the
 * contention as much as the code, while CPU seconds per pass of single-threaded work stay close
 * to what the work costs, so ratios of CPU time are the steadier figure there.
 *
 * @param min fastest repeat, wall seconds per pass
 * @param median median repeat, wall seconds per pass
 * @param cpuMin fewest process CPU seconds per pass over the repeats
 * @param cpuMedian median process CPU seconds per pass
 * @param repeats timed repeats
 * @param passes total timed passes over all repeats
 */
public record Timing(double min, double median, double cpuMin, double cpuMedian, int repeats, int passes) {
  /** At least a second of timed work per repeat. */
  public static final double MIN_SECONDS = 1.0;

  /** Times {@code pass}; see the class comment. */
  public static Timing of(Runnable pass, int repeats, double minSeconds) {
    if (repeats < 1) {
      throw new IllegalArgumentException("repeats must be >= 1, got: " + repeats);
    }
    pass.run();
    double[] perPass = new double[repeats];
    double[] cpuPerPass = new double[repeats];
    int total = 0;
    for (int r = 0; r < repeats; r++) {
      int passes = 0;
      long cpuStart = processCpuNanos();
      long start = System.nanoTime();
      double elapsed;
      do {
        pass.run();
        passes++;
        elapsed = (System.nanoTime() - start) / 1e9;
      } while (elapsed < minSeconds);
      perPass[r] = elapsed / passes;
      cpuPerPass[r] = (processCpuNanos() - cpuStart) / 1e9 / passes;
      total += passes;
    }
    Arrays.sort(perPass);
    Arrays.sort(cpuPerPass);
    return new Timing(perPass[0], median(perPass), cpuPerPass[0], median(cpuPerPass), repeats, total);
  }

  private static double median(double[] sorted) {
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** CPU time of this JVM, all threads; -1 where the platform does not report it. */
  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
  }

  public static Timing of(Runnable pass, int repeats) {
    return of(pass, repeats, MIN_SECONDS);
  }

  /** Relative spread of the repeats: (median - min) / min. */
  public double spread() {
    return (median - min) / min;
  }

  /** e.g. {@code "wall min 1.234 s, median 1.301 s; cpu min 1.2 s, median 1.25 s per pass (3 repeats, 3 passes)"}. */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "wall min %.3f s, median %.3f s; cpu min %.3f s, median %.3f s per pass (%d repeats, %d passes, warm-up excluded)",
        min, median, cpuMin, cpuMedian, repeats, passes);
  }
}
