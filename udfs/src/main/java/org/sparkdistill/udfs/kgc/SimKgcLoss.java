package org.sparkdistill.udfs.kgc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * SimKGC's contrastive loss (Wang et al., ACL 2022) over one batch of B (query, answer) pairs, with
 * the answers of the other queries as in-batch negatives and each query's own source entity as a
 * self-negative:
 *
 * <pre>
 *   s_ij  = (q_i · e_j − γ·[i = j]) / τ        (unit vectors, additive margin γ on the positive)
 *   s_i*  = (q_i · h_i) / τ                     (self-negative: the source entity h_i)
 *   masked entries (another in-batch answer that is also a right answer of query i, or the source
 *   when it answers the query) are set to −10⁴
 *   loss  = mean_i CE([s_i1 … s_iB, s_i*], i)  +  (symmetric) mean_j CE([s_1j … s_Bj], j)
 * </pre>
 *
 * with τ = exp(−logInvT) learnable. Cost: a B×B matrix product of d-vectors and two soft-maxes:
 * nothing next to the encoders. The negatives, and so the loss, depend on B: state it with every
 * result.
 */
public final class SimKgcLoss {
  /** The logit given to a masked candidate (SimKGC's value). */
  public static final float MASKED = -1e4f;

  private SimKgcLoss() {}

  /**
   * The loss, a scalar.
   *
   * @param queries q [B, d], unit rows
   * @param answers e [B, d], unit rows (row i answers query i)
   * @param sources h [B, d], unit rows (each query's source entity, through the entity encoder), or
   *     null for no self-negative
   * @param logInverseTemperature [1]: log(1/τ)
   * @param margin γ, subtracted from each positive score before scaling
   * @param keep [B, B] of 1 (a candidate) or 0 (masked); the diagonal must be 1
   * @param keepSource [B] of 1 or 0 (the self-negative masked), ignored without sources
   * @param symmetric also the answer-to-query direction
   */
  public static NDArray compute(
      NDArray queries, NDArray answers, NDArray sources, NDArray logInverseTemperature, float margin, NDArray keep, NDArray keepSource, boolean symmetric) {
    NDManager m = queries.getManager();
    int b = Math.toIntExact(queries.getShape().get(0));
    NDArray eye = m.eye(b);
    NDArray scale = logInverseTemperature.exp();
    NDArray logits = masked(queries.matMul(answers.transpose()).sub(eye.mul(margin)).mul(scale), keep);
    NDArray rows = logits;
    NDArray target = eye;
    if (sources != null) {
      NDArray self = masked(queries.mul(sources).sum(new int[] {1}, true).mul(scale), keepSource.reshape(b, 1));
      rows = NDArrays.concat(new NDList(logits, self), 1);
      target = NDArrays.concat(new NDList(eye, m.zeros(new ai.djl.ndarray.types.Shape(b, 1))), 1);
    }
    NDArray loss = crossEntropy(rows, target);
    if (symmetric) {
      loss = loss.add(crossEntropy(logits.transpose(), eye));
    }
    return loss;
  }

  /** Top-1 hits of the query-to-answer direction among the same candidates (for validation). */
  public static int hits(NDArray queries, NDArray answers, NDArray sources, NDArray logInverseTemperature, float margin, NDArray keep, NDArray keepSource) {
    NDManager m = queries.getManager();
    int b = Math.toIntExact(queries.getShape().get(0));
    NDArray scale = logInverseTemperature.exp();
    NDArray logits = masked(queries.matMul(answers.transpose()).sub(m.eye(b).mul(margin)).mul(scale), keep);
    if (sources != null) {
      logits = NDArrays.concat(new NDList(logits, masked(queries.mul(sources).sum(new int[] {1}, true).mul(scale), keepSource.reshape(b, 1))), 1);
    }
    long[] best = logits.argMax(1).toLongArray();
    int hits = 0;
    for (int i = 0; i < b; i++) {
      hits += best[i] == i ? 1 : 0;
    }
    return hits;
  }

  private static NDArray masked(NDArray logits, NDArray keep) {
    return logits.mul(keep).add(keep.neg().add(1f).mul(MASKED));
  }

  /** Mean over rows of −Σ target · log softmax(row). */
  private static NDArray crossEntropy(NDArray logits, NDArray target) {
    return logits.logSoftmax(1).mul(target).sum(new int[] {1}).neg().mean();
  }
}
