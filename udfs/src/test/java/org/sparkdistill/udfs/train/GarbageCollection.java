package org.sparkdistill.udfs.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import java.util.function.Supplier;

/**
 * What a JVM may do between a training step's forward and backward pass: collect garbage and let
 * the reference handler free unreachable direct buffers. Gradient tests call it there, so an
 * operand that autograd saved over memory the JVM owns (see {@link TorchScalars}) shows up as a
 * wrong gradient instead of passing by luck.
 */
public final class GarbageCollection {
  private GarbageCollection() {}

  /**
   * Holding {@link TorchRandom#LOCK} and a gradient collector: computes {@code loss}, collects
   * garbage ({@link #collectNow}), then runs the backward pass.
   */
  public static void backwardAfterCollection(Supplier<NDArray> loss) {
    TorchRandom.LOCK.lock();
    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
      NDArray value = loss.get();
      collectNow();
      collector.backward(value);
    } finally {
      TorchRandom.LOCK.unlock();
    }
  }

  /** Three full collections, 20 ms apart (time for the reference handler to run the cleaners). */
  public static void collectNow() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
