package org.sparkdistill.udfs.transformer;

import java.io.Serializable;

/**
 * How {@link FineTuneTrainer} trains (the {@code teacher.finetune.*} settings).
 *
 * @param epochs maximum epochs; the learning rate decays to 0 at their end
 * @param batchSize texts per optimizer step
 * @param learningRate peak learning rate of the encoder (typical 2e-5 to 1e-4)
 * @param headLearningRate peak learning rate of the freshly initialised head
 * @param weightDecay decoupled AdamW weight decay
 * @param warmupFraction share of all steps over which the learning rate rises linearly from 0
 * @param maxGradNorm global gradient-norm clipping
 * @param patience epochs without a better validation accuracy before training stops
 * @param seed shuffling, the head's initial values and libtorch's dropout generator
 */
public record FineTuneOptions(
    int epochs, int batchSize, double learningRate, double headLearningRate, double weightDecay, double warmupFraction, double maxGradNorm, int patience, long seed)
    implements Serializable {
  public FineTuneOptions {
    if (epochs < 1 || batchSize < 1 || patience < 1) {
      throw new IllegalArgumentException("epochs, batchSize and patience must be >= 1, got " + epochs + ", " + batchSize + ", " + patience);
    }
    if (!(learningRate > 0) || !(headLearningRate > 0) || !(weightDecay >= 0) || !(maxGradNorm > 0) || !(warmupFraction >= 0 && warmupFraction < 1)) {
      throw new IllegalArgumentException(
          "learning rates and maxGradNorm must be > 0, weightDecay >= 0 and warmupFraction in [0, 1), got "
              + learningRate + ", " + headLearningRate + ", " + maxGradNorm + ", " + weightDecay + ", " + warmupFraction);
    }
  }

  /** The learning-rate factor at optimizer step {@code step} (1-based) of {@code total}: linear warm-up, then linear decay to 0. */
  public static double schedule(long step, long total, double warmupFraction) {
    long warmup = (long) Math.floor(warmupFraction * total);
    if (step <= warmup) {
      return (double) step / Math.max(1, warmup);
    }
    return Math.max(0.0, (double) (total - step + 1) / Math.max(1, total - warmup));
  }
}
