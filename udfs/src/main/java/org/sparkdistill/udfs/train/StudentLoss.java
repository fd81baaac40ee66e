package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import java.io.Serializable;

/**
 * The loss a distillation method trains its student with: the loss seam of the training step.
 * Implementations are immutable and serialisable (they travel to executors inside a {@link
 * TrainingStep}); {@link KdLoss} is the first.
 */
public interface StudentLoss extends Serializable {
  /**
   * The scalar loss (float32, shape []) of one batch, differentiable with respect to {@code
   * studentLogits}.
   *
   * @param studentLogits [N, outputs]
   * @param targets [N, target width] the method's targets (constants)
   * @param labels [N] class indices, −1 where a row has no label
   * @param weights [N] row weights
   */
  NDArray compute(NDArray studentLogits, NDArray targets, NDArray labels, NDArray weights);
}
