package org.sparkdistill.udfs.kgc;

/**
 * How a PMD grade learns from the model above it ({@link PmdLoss}), handed to {@link
 * BiEncoderTrainer}: without one the trainer fine-tunes on the contrastive loss alone.
 *
 * <p>The variants of the paper's comparison are settings of this record: a PMD grade (α = β = 0.1,
 * mask rate ρ &gt; 0, features at the masked positions); score-only KD (β = 0, ρ = 0); feature KD
 * without masking (ρ = 0, {@code featuresOnAllTokens}: the feature loss on the mean of every real
 * token). The teacher runs online with dropout off on the same token ids as the student; it is
 * not trained.
 *
 * @param teacher the model above (not trained; its parameters need no gradient)
 * @param alpha weight of L_SCORE
 * @param beta weight of L_MGFD
 * @param maskRate ρ: share of each text's word pieces replaced by {@code [MASK]}, in [0, 1)
 * @param featuresOnAllTokens the feature loss over every real token instead of the masked ones
 * @param maskTokenId the tokenizer's {@code [MASK]} id
 */
public record GradeDistillation(BiEncoder teacher, double alpha, double beta, double maskRate, boolean featuresOnAllTokens, long maskTokenId) {
  public GradeDistillation {
    if (teacher == null) {
      throw new IllegalArgumentException("a PMD grade needs the model above it as its teacher");
    }
    if (!(alpha >= 0 && beta >= 0 && alpha + beta < 1)) {
      throw new IllegalArgumentException("pmd.grades.alpha and pmd.grades.beta must be >= 0 with alpha + beta < 1, got " + alpha + " and " + beta);
    }
    if (!(maskRate >= 0 && maskRate < 1)) {
      throw new IllegalArgumentException("a PMD grade's mask rate must be in [0, 1), got " + maskRate);
    }
  }
}
