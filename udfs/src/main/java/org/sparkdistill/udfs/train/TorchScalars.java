package org.sparkdistill.udfs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for arithmetic that autograd records. Use {@code x.mul(TorchScalars.of(x, v))},
 * never {@code x.mul(v)}, wherever {@code x} may require a gradient (losses, blocks' forward
 * passes).
 *
 * <p>Why: DJL 0.32's {@code PtNDArray.mul(Number)} (and {@code div}, {@code pow}, {@code
 * maximum}, {@code minimum}, {@code add}, {@code sub} with a number) wraps the number in a
 * one-element tensor over a Java direct buffer ({@code torch::from_blob}, memory owned by Java)
 * and closes that tensor as soon as the operation returns. Autograd has saved the tensor for the
 * backward pass ({@code MulBackward} needs the factor, {@code DivBackward} the divisor, {@code
 * MaximumBackward} both operands), but once its Java wrapper is closed nothing keeps the buffer
 * reachable: the next garbage collection frees it, and a backward pass after that reads freed
 * memory. Measured on this build: with a collection between forward and backward, {@code
 * x.mul(3f)} gave gradients of 5.5e21, 1.3e-11 or 9.9e19 instead of 3 in 20 of 20 trials
 * ({@code TorchScalarsTest}). Training saw it as rare runs that diverged after one wrong
 * gradient (a collection must fall between a step's forward and its backward), more often the
 * longer a step takes (a transformer step takes seconds, so most steps were hit).
 *
 * <p>{@link #of} allocates through libtorch ({@code torch::full}); the saved tensor then owns
 * its memory, whatever happens to the Java wrapper. Cost: one native allocation per scalar.
 */
public final class TorchScalars {
  private TorchScalars() {}

  /** A 0-dimensional tensor holding {@code value}, of {@code like}'s type, on its manager and device. */
  public static NDArray of(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType());
  }
}
