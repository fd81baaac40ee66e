package org.sparkdistill.teacher;

import java.util.List;
import java.util.Objects;

/**
 * The weights of the best epoch of a {@link HeadTrainer} run: logits = x·Wᵀ + b.
 *
 * <p>Arrays are copied in and out, so an instance is immutable.
 *
 * @param weight [C][d], row c holds class c's weights
 * @param bias [C]
 * @param dropout the input dropout rate the head was trained with
 * @param bestEpoch 1-based epoch whose weights these are
 * @param epochsRun epochs actually run (fewer than configured when early stopping triggered)
 * @param bestValidationAccuracy validation accuracy of {@code bestEpoch}, dropout off
 * @param bestValidationLoss mean validation cross-entropy of {@code bestEpoch}, dropout off
 * @param history one entry per epoch run, in order
 */
public record TrainedHead(
    float[][] weight,
    float[] bias,
    double dropout,
    int bestEpoch,
    int epochsRun,
    double bestValidationAccuracy,
    double bestValidationLoss,
    List<EpochStats> history) {

  public TrainedHead {
    Objects.requireNonNull(weight, "weight");
    Objects.requireNonNull(bias, "bias");
    if (weight.length != bias.length) {
      throw new IllegalArgumentException(
          "weight has " + weight.length + " rows but bias has " + bias.length + " values");
    }
    weight = deepCopy(weight);
    bias = bias.clone();
    history = List.copyOf(history);
  }

  /** A copy of W, [C][d]. */
  @Override
  public float[][] weight() {
    return deepCopy(weight);
  }

  /** A copy of b, [C]. */
  @Override
  public float[] bias() {
    return bias.clone();
  }

  /** C. */
  public int numClasses() {
    return bias.length;
  }

  /** d. */
  public int inputDim() {
    return weight[0].length;
  }

  private static float[][] deepCopy(float[][] a) {
    float[][] out = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
