package org.sparkdistill.udfs.uncertainty;

import java.io.Serializable;
import java.util.Objects;
import org.sparkdistill.udfs.model.LinearHead;

/**
 * Scores one row with a {@link LinearHead}: raw logits with dropout off, plus MC dropout
 * statistics over K stochastic passes.
 *
 * <p>Pass k (0 ≤ k < K) uses the input mask {@link DropoutMask#mask DropoutMask.mask(rowKey(id),
 * k, seed, d, head.dropoutRate())} and contributes {@link Softmax#softmax(float[])} of the masked
 * logits. The result therefore depends only on (id, features, head, K, seed) — never on batch
 * composition, scoring order or thread — so a retried Spark task writes identical numbers.
 *
 * <p>How a pass is computed: the logits are linear in the input, so with W·x (no bias) computed
 * once per row in double, pass k's logits are b + s·(W·x − Σ<sub>j dropped</sub> W[·][j]·x<sub>j</sub>)
 * with s = {@link DropoutMask#keepScale keepScale(rate)}: only the dropped inputs (about rate·d)
 * are visited, through a copy of W laid out by input ({@link LinearHead#weightsByInput()}). The
 * result equals {@link LinearHead#logits(float[], float[]) head.logits(x, mask)} up to
 * rounding (double accumulation either way; about 1e-6 relative, tested), not bit for bit.
 *
 * <p>Knobs: K ({@code passes}) trades cost for estimator noise — a row costs C·d multiply-adds
 * once, then per pass d mask draws, about rate·C·d multiply-adds and a softmax over C; the
 * variance and mutual information estimates tighten roughly as 1/√K. {@code seed} selects a different but equally reproducible
 * set of masks. Immutable and thread-safe; per-call scratch is O(d + C).
 */
public final class McDropoutScorer implements Serializable {

  private static final long serialVersionUID = 1L;

  private final LinearHead head;
  private final int passes;
  private final long seed;
  private final float[] weightsByInput;
  private final float[] bias;

  /**
   * @param head the classifier; its {@link LinearHead#dropoutRate()} is the MC dropout rate
   * @param passes K ≥ 1 MC passes, always with dropout on
   * @param seed run-level seed for the masks
   */
  public McDropoutScorer(LinearHead head, int passes, long seed) {
    this.head = Objects.requireNonNull(head, "head must not be null");
    if (passes < 1) {
      throw new IllegalArgumentException("passes must be >= 1, got: " + passes);
    }
    this.passes = passes;
    this.seed = seed;
    this.weightsByInput = head.weightsByInput();
    this.bias = head.bias();
  }

  /**
   * Scores one row.
   *
   * @param id the row's stable id; hashed with {@link DropoutMask#rowKey(String)}
   * @param features length {@code head.inputDim()}, finite
   */
  public Result score(String id, float[] features) {
    Objects.requireNonNull(id, "id must not be null");
    float[] rawLogits = head.logits(features);
    float[] rawProbabilities = Softmax.softmax(rawLogits);
    McDropoutStatistics deterministic = McDropoutStatistics.ofSinglePass(rawProbabilities);
    int numClasses = bias.length;
    double rate = head.dropoutRate();
    McDropoutStatistics.Accumulator acc = new McDropoutStatistics.Accumulator(numClasses);
    if (rate == 0) {
      // Every mask is all ones: each pass is the deterministic pass.
      for (int k = 0; k < passes; k++) {
        acc.add(rawProbabilities);
      }
      return new Result(rawLogits, acc.build(), deterministic);
    }

    int d = features.length;
    double[] unmasked = new double[numClasses];
    for (int j = 0, base = 0; j < d; j++, base += numClasses) {
      double x = features[j];
      for (int c = 0; c < numClasses; c++) {
        unmasked[c] += weightsByInput[base + c] * x;
      }
    }
    long rowKey = DropoutMask.rowKey(id);
    double keep = DropoutMask.keepScale(rate);
    int[] dropped = new int[d];
    double[] sum = new double[numClasses];
    float[] logits = new float[numClasses];
    for (int k = 0; k < passes; k++) {
      int n = DropoutMask.dropped(rowKey, k, seed, d, rate, dropped);
      System.arraycopy(unmasked, 0, sum, 0, numClasses);
      for (int i = 0; i < n; i++) {
        int j = dropped[i];
        double x = features[j];
        for (int c = 0, base = j * numClasses; c < numClasses; c++) {
          sum[c] -= weightsByInput[base + c] * x;
        }
      }
      for (int c = 0; c < numClasses; c++) {
        logits[c] = (float) (bias[c] + keep * sum[c]);
      }
      acc.add(Softmax.softmax(logits));
    }
    return new Result(rawLogits, acc.build(), deterministic);
  }

  public LinearHead head() {
    return head;
  }

  public int passes() {
    return passes;
  }

  public long seed() {
    return seed;
  }

  /** Outcome of {@link #score(String, float[])}; immutable. */
  public static final class Result {

    private final float[] rawLogits;
    private final McDropoutStatistics mcDropout;
    private final McDropoutStatistics deterministic;

    private Result(
        float[] rawLogits, McDropoutStatistics mcDropout, McDropoutStatistics deterministic) {
      this.rawLogits = rawLogits;
      this.mcDropout = mcDropout;
      this.deterministic = deterministic;
    }

    /** W·x + b with dropout off (a copy). */
    public float[] rawLogits() {
      return rawLogits.clone();
    }

    /** Statistics over the K dropout passes. */
    public McDropoutStatistics mcDropout() {
      return mcDropout;
    }

    /** {@code ofSinglePass(softmax(rawLogits))}: the no-MC prediction and its entropy. */
    public McDropoutStatistics deterministic() {
      return deterministic;
    }
  }
}
