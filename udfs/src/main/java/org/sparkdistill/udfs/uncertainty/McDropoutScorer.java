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
 * <p>Knobs: K ({@code passes}) trades cost for estimator noise — each pass is one O(C·d) matrix
 * product, so a row costs (K + 1)·C·d multiply-adds; the variance and mutual information
 * estimates tighten roughly as 1/√K. {@code seed} selects a different but equally reproducible
 * set of masks. Immutable and thread-safe; per-call scratch is O(d + C).
 */
public final class McDropoutScorer implements Serializable {

  private static final long serialVersionUID = 1L;

  private final LinearHead head;
  private final int passes;
  private final long seed;

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
    McDropoutStatistics deterministic =
        McDropoutStatistics.ofSinglePass(Softmax.softmax(rawLogits));

    long rowKey = DropoutMask.rowKey(id);
    double rate = head.dropoutRate();
    float[] masked = new float[features.length];
    McDropoutStatistics.Accumulator acc = new McDropoutStatistics.Accumulator(head.numClasses());
    for (int k = 0; k < passes; k++) {
      System.arraycopy(features, 0, masked, 0, features.length);
      DropoutMask.applyInPlace(masked, rowKey, k, seed, rate);
      acc.add(Softmax.softmax(head.logits(masked)));
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
