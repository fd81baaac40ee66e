package org.sparkdistill.udfs.kgc;

import ai.djl.ndarray.NDArray;
import org.sparkdistill.udfs.train.TorchScalars;

/**
 * PMD's loss for one batch of B (query, answer) pairs (Fan et al., AAAI 2024, {@code
 * ../shared/methods.md} §3), student S distilled from teacher T on the same (masked) token ids:
 *
 * <pre>
 *   L       = (1 − α − β)·L_CE + α·L_SCORE + β·L_MGFD
 *   L_CE    = {@link SimKgcLoss} of the student (in-batch and self-negatives, margin, symmetric)
 *   L_SCORE = mean over the B×B in-batch pairs of ((q_i^S·e_j^S)/τ_S − (q_i^T·e_j^T)/τ_T)²,
 *             pairs masked as false negatives left out (0)
 *   L_MGFD  = MSE(m_q^S, m_q^T) + MSE(m_e^S, m_e^T), m the unit mean of the last layer at the
 *             masked positions (a row without any contributes 0), MSE a mean over B·d
 * </pre>
 *
 * The score matrices carry no margin (the teacher's, as in PMD's code, is its evaluation score);
 * each side scales by its own learned temperature. The teacher's arrays must carry no gradient.
 * Cost: two B×B products and a few element-wise passes over [B, d]: nothing next to the encoders.
 */
public final class PmdLoss {
  private PmdLoss() {}

  /** The loss and its three terms (scalars). */
  public record Terms(NDArray total, NDArray contrastive, NDArray score, NDArray feature) {}

  /** One side of the batch: unit query and answer vectors, their masked features, log(1/τ). */
  public record Side(NDArray queries, NDArray answers, NDArray queryFeatures, NDArray answerFeatures, NDArray logInverseTemperature) {}

  /**
   * @param student the student's side, with gradient
   * @param sources the student's unit source-entity vectors (the self-negatives), or null
   * @param teacher the teacher's side, without gradient
   * @param keep [B, B] 1 for a candidate, 0 for a masked false negative
   * @param keepSource [B] 1 or 0 for the self-negative
   */
  public static Terms compute(Side student, NDArray sources, Side teacher, NDArray keep, NDArray keepSource, float margin, boolean symmetric, double alpha, double beta) {
    if (!(alpha >= 0 && beta >= 0 && alpha + beta < 1)) {
      throw new IllegalArgumentException("PMD's loss weights need alpha, beta >= 0 and alpha + beta < 1, got " + alpha + " and " + beta);
    }
    NDArray ce = SimKgcLoss.compute(student.queries(), student.answers(), sources, student.logInverseTemperature(), margin, keep, keepSource, symmetric);
    NDArray s = scores(student).mul(keep);
    NDArray t = scores(teacher).mul(keep);
    NDArray score = s.sub(t).square().mean();
    NDArray feature = mse(student.queryFeatures(), teacher.queryFeatures()).add(mse(student.answerFeatures(), teacher.answerFeatures()));
    NDArray total = ce.mul(TorchScalars.of(ce, 1 - alpha - beta)).add(score.mul(TorchScalars.of(score, alpha))).add(feature.mul(TorchScalars.of(feature, beta)));
    return new Terms(total, ce, score, feature);
  }

  /** (q_i · e_j) / τ: [B, B]. */
  static NDArray scores(Side side) {
    return side.queries().matMul(side.answers().transpose()).mul(side.logInverseTemperature().exp());
  }

  private static NDArray mse(NDArray a, NDArray b) {
    return a.sub(b).square().mean();
  }
}
