package org.sparkdistill.udfs.uncertainty;

import java.util.Arrays;
import java.util.Objects;

/**
 * Summary of K Monte Carlo dropout passes over one row: the mean prediction and how much the
 * passes disagree.
 *
 * <p>Given per-pass class distributions p<sub>1</sub> … p<sub>K</sub> over C classes:
 *
 * <ul>
 *   <li>{@link #meanProbabilities()} p̄ = (1/K) Σ<sub>k</sub> p<sub>k</sub>;
 *   <li>{@link #predictiveEntropy()} H(p̄) = −Σ<sub>c</sub> p̄<sub>c</sub> ln p̄<sub>c</sub> (natural
 *       log, 0·ln 0 = 0), total uncertainty, in [0, ln C];
 *   <li>{@link #certainty()} 1 − H(p̄)/ln C, in [0, 1] (1 when C = 1);
 *   <li>{@link #variance()} per-class population variance over the passes (divides by K);
 *   <li>{@link #mutualInformation()} H(p̄) − (1/K) Σ<sub>k</sub> H(p<sub>k</sub>) (BALD), the
 *       epistemic part of the uncertainty: 0 when all passes agree.
 * </ul>
 *
 * <p>Instances are immutable; accessors that return arrays return copies. Statistics are computed
 * once, at construction, in {@code double}; means and variances use Welford's update, so passes
 * that agree exactly give a variance and mutual information of exactly 0. Building one costs
 * O(K·C) time and O(C) memory via {@link Accumulator}, which {@link #of(float[][])} also uses,
 * so both forms give bit-identical results.
 */
public final class McDropoutStatistics {

  /**
   * Largest accepted |Σ<sub>c</sub> p<sub>c</sub> − 1| for one pass. Loose enough for float
   * softmax output over thousands of classes, tight enough to catch logits passed by mistake.
   */
  public static final double SUM_TOLERANCE = 1e-3;

  private final int passes;
  private final float[] meanProbabilities;
  private final float[] variance;
  private final double predictiveEntropy;
  private final double certainty;
  private final double mutualInformation;
  private final int predictedClass;

  private McDropoutStatistics(
      int passes,
      float[] meanProbabilities,
      float[] variance,
      double predictiveEntropy,
      double certainty,
      double mutualInformation,
      int predictedClass) {
    this.passes = passes;
    this.meanProbabilities = meanProbabilities;
    this.variance = variance;
    this.predictiveEntropy = predictiveEntropy;
    this.certainty = certainty;
    this.mutualInformation = mutualInformation;
    this.predictedClass = predictedClass;
  }

  /**
   * Statistics of K passes held in memory.
   *
   * @param passProbabilities K ≥ 1 rows of equal length C ≥ 1; each row a probability vector
   *     (finite values in [0, 1] summing to 1 within {@link #SUM_TOLERANCE})
   * @throws IllegalArgumentException naming the offending pass (and class) if a rule is broken
   */
  public static McDropoutStatistics of(float[][] passProbabilities) {
    Objects.requireNonNull(passProbabilities, "passProbabilities must not be null");
    if (passProbabilities.length == 0) {
      throw new IllegalArgumentException("passProbabilities must hold >= 1 pass, got: 0");
    }
    if (passProbabilities[0] == null) {
      throw new IllegalArgumentException("passProbabilities[0] must not be null");
    }
    Accumulator acc = new Accumulator(passProbabilities[0].length);
    for (float[] pass : passProbabilities) {
      acc.add(pass);
    }
    return acc.build();
  }

  /**
   * Statistics of a single deterministic prediction (K = 1): variance and mutual information
   * are 0; entropy and certainty describe {@code probabilities} itself.
   */
  public static McDropoutStatistics ofSinglePass(float[] probabilities) {
    Objects.requireNonNull(probabilities, "probabilities must not be null");
    Accumulator acc = new Accumulator(probabilities.length);
    acc.add(probabilities);
    return acc.build();
  }

  /** Number of passes K the statistics were computed from. */
  public int passes() {
    return passes;
  }

  /** Number of classes C. */
  public int numClasses() {
    return meanProbabilities.length;
  }

  /** p̄, the mean of the pass distributions (a copy). */
  public float[] meanProbabilities() {
    return meanProbabilities.clone();
  }

  /** H(p̄) in nats, in [0, ln C]. */
  public double predictiveEntropy() {
    return predictiveEntropy;
  }

  /** 1 − H(p̄)/ln C clamped to [0, 1]; 1 for a single class. 0 means uniform p̄. */
  public double certainty() {
    return certainty;
  }

  /** Per-class population variance of p<sub>k,c</sub> over the K passes (a copy). */
  public float[] variance() {
    return variance.clone();
  }

  /** BALD mutual information in nats, ≥ 0 (tiny negative rounding is clamped to 0). */
  public double mutualInformation() {
    return mutualInformation;
  }

  /** argmax of p̄; the lowest index wins ties. */
  public int predictedClass() {
    return predictedClass;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof McDropoutStatistics other)) {
      return false;
    }
    return passes == other.passes
        && predictedClass == other.predictedClass
        && Double.compare(predictiveEntropy, other.predictiveEntropy) == 0
        && Double.compare(certainty, other.certainty) == 0
        && Double.compare(mutualInformation, other.mutualInformation) == 0
        && Arrays.equals(meanProbabilities, other.meanProbabilities)
        && Arrays.equals(variance, other.variance);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(passes, predictedClass, predictiveEntropy, certainty, mutualInformation);
    h = 31 * h + Arrays.hashCode(meanProbabilities);
    return 31 * h + Arrays.hashCode(variance);
  }

  @Override
  public String toString() {
    return "McDropoutStatistics{passes=" + passes
        + ", predictedClass=" + predictedClass
        + ", entropy=" + predictiveEntropy
        + ", certainty=" + certainty
        + ", mutualInformation=" + mutualInformation
        + ", mean=" + Arrays.toString(meanProbabilities)
        + ", variance=" + Arrays.toString(variance) + '}';
  }

  /** −Σ p ln p with 0·ln 0 = 0. */
  private static double entropy(double[] p) {
    double h = 0.0;
    for (double v : p) {
      if (v > 0.0) {
        h -= v * Math.log(v);
      }
    }
    return h;
  }

  /**
   * Streams passes one at a time in O(C) memory instead of materialising a K×C matrix; {@link
   * #build()} gives exactly the numbers {@link McDropoutStatistics#of(float[][])} would for the
   * same passes in the same order.
   *
   * <p>Mutable and not thread-safe: use one per row (or {@link #reset()} between rows) per
   * thread. Each {@link #add(float[])} is O(C) and validates its input before changing any state.
   */
  public static final class Accumulator {

    private final int numClasses;
    private final double[] mean;
    private final double[] m2;
    private final double[] scratch;
    private double meanPassEntropy;
    private int passes;

    /**
     * @param numClasses C ≥ 1, the length every added pass must have
     */
    public Accumulator(int numClasses) {
      if (numClasses < 1) {
        throw new IllegalArgumentException("numClasses must be >= 1, got: " + numClasses);
      }
      this.numClasses = numClasses;
      this.mean = new double[numClasses];
      this.m2 = new double[numClasses];
      this.scratch = new double[numClasses];
    }

    /**
     * Adds one pass's class distribution.
     *
     * @throws IllegalArgumentException if the length is not C, a value is non-finite or outside
     *     [0, 1], or the values do not sum to 1 within {@link #SUM_TOLERANCE}
     */
    public Accumulator add(float[] probabilities) {
      int pass = passes;
      if (probabilities == null) {
        throw new IllegalArgumentException("pass " + pass + " probabilities must not be null");
      }
      if (probabilities.length != numClasses) {
        throw new IllegalArgumentException(
            "pass " + pass + " has " + probabilities.length
                + " classes, expected " + numClasses);
      }
      double sum = 0.0;
      for (int c = 0; c < numClasses; c++) {
        float v = probabilities[c];
        if (!Float.isFinite(v) || v < 0f || v > 1f) {
          throw new IllegalArgumentException(
              "pass " + pass + " probability[" + c + "] must be finite and in [0, 1], got: " + v);
        }
        sum += v;
      }
      if (Math.abs(sum - 1.0) > SUM_TOLERANCE) {
        throw new IllegalArgumentException(
            "pass " + pass + " probabilities must sum to 1 (tolerance " + SUM_TOLERANCE
                + "), got: " + sum);
      }

      int n = ++passes;
      for (int c = 0; c < numClasses; c++) {
        double x = probabilities[c];
        scratch[c] = x;
        double delta = x - mean[c];
        mean[c] += delta / n;
        m2[c] += delta * (x - mean[c]);
      }
      meanPassEntropy += (entropy(scratch) - meanPassEntropy) / n;
      return this;
    }

    /** Number of passes added since construction or the last {@link #reset()}. */
    public int passes() {
      return passes;
    }

    /** Forgets all passes so the accumulator can be reused for the next row. */
    public Accumulator reset() {
      Arrays.fill(mean, 0.0);
      Arrays.fill(m2, 0.0);
      meanPassEntropy = 0.0;
      passes = 0;
      return this;
    }

    /**
     * Snapshot of the statistics so far; the accumulator stays usable.
     *
     * @throws IllegalStateException if no pass has been added
     */
    public McDropoutStatistics build() {
      if (passes < 1) {
        throw new IllegalStateException("build() needs >= 1 pass, got: " + passes);
      }
      float[] meanOut = new float[numClasses];
      float[] varianceOut = new float[numClasses];
      int argmax = 0;
      for (int c = 0; c < numClasses; c++) {
        meanOut[c] = (float) mean[c];
        varianceOut[c] = (float) Math.max(0.0, m2[c] / passes);
        if (mean[c] > mean[argmax]) {
          argmax = c;
        }
      }
      double h = entropy(mean);
      double certainty =
          numClasses == 1 ? 1.0 : Math.min(1.0, Math.max(0.0, 1.0 - h / Math.log(numClasses)));
      double mi = Math.max(0.0, h - meanPassEntropy);
      return new McDropoutStatistics(passes, meanOut, varianceOut, h, certainty, mi, argmax);
    }
  }
}
