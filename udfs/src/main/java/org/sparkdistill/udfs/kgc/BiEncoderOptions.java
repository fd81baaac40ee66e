package org.sparkdistill.udfs.kgc;

import java.io.Serializable;

/**
 * How {@link BiEncoderTrainer} fine-tunes the bi-encoder (the {@code pmd.finetune.*} settings).
 *
 * @param epochs maximum epochs; the learning rate decays linearly to 0 at their end
 * @param batchSize (query, answer) pairs per step: the in-batch negatives are the other B − 1
 *     answers, so the loss and the result depend on it
 * @param learningRate peak AdamW learning rate of both encoders and the temperature
 * @param weightDecay decoupled AdamW weight decay (not on biases and LayerNorms)
 * @param warmupFraction share of all steps with a linear warm-up from 0
 * @param maxGradNorm global gradient-norm clipping
 * @param patience epochs without a lower validation loss before training stops
 * @param margin additive margin γ on the positive score (SimKGC: 0.02)
 * @param learnTemperature whether τ is trained (SimKGC: yes, from 0.05)
 * @param selfNegative whether each query's source entity is a negative
 * @param symmetric whether the answer-to-query direction adds its cross-entropy
 * @param seed shuffling and libtorch's dropout generator
 */
public record BiEncoderOptions(
    int epochs,
    int batchSize,
    double learningRate,
    double weightDecay,
    double warmupFraction,
    double maxGradNorm,
    int patience,
    float margin,
    boolean learnTemperature,
    boolean selfNegative,
    boolean symmetric,
    long seed)
    implements Serializable {
  public BiEncoderOptions {
    if (epochs < 1 || batchSize < 2 || patience < 1) {
      throw new IllegalArgumentException("epochs and patience must be >= 1 and batchSize >= 2 (in-batch negatives), got " + epochs + ", " + patience + ", " + batchSize);
    }
    if (!(learningRate > 0) || !(weightDecay >= 0) || !(maxGradNorm > 0) || !(warmupFraction >= 0 && warmupFraction < 1) || !(margin >= 0)) {
      throw new IllegalArgumentException(
          "learningRate and maxGradNorm must be > 0, weightDecay and margin >= 0, warmupFraction in [0, 1), got "
              + learningRate + ", " + maxGradNorm + ", " + weightDecay + ", " + margin + ", " + warmupFraction);
    }
  }
}
