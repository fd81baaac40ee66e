package org.sparkdistill.udfs.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.Serializable;
import java.util.Objects;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * The training-step seam: one mini-batch through a student with dropout on, the method's loss,
 * and the gradients out. It neither reads rows nor updates weights, so the driver's loop and a
 * data-parallel task on an executor run the same step and differ only in where the gradients go
 * ({@link ResumableAdam#apply} here or there).
 *
 * <p>DJL 0.32 lets one gradient collector record per JVM, so a step holds {@link
 * TorchRandom#LOCK} while it runs: training runs one task per executor JVM (size libtorch's
 * intra-op threads to the executor's cores). Cost: one forward and one backward pass over the
 * batch, plus a copy of every gradient into Java arrays (4 bytes per parameter).
 */
public final class TrainingStep implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * {@code -Dspark.distill.debug.collectBeforeBackward=true}: a full garbage collection between
   * every step's forward and backward pass, in this JVM. A check, not a setting: with it on, an
   * operand that autograd saved over memory the JVM may free (see {@link TorchScalars}) gives a
   * wrong gradient at every step instead of once in a while, so a run's weights differ from a run
   * without it. Read at every step (a property lookup); cost when on: one full collection per step
   * (tens of milliseconds).
   */
  public static final String COLLECT_BEFORE_BACKWARD_PROPERTY = "spark.distill.debug.collectBeforeBackward";

  private final StudentLoss loss;

  public TrainingStep(StudentLoss loss) {
    this.loss = Objects.requireNonNull(loss, "loss must not be null");
  }

  public StudentLoss loss() {
    return loss;
  }

  private static void collectGarbage() {
    System.gc();
    try {
      Thread.sleep(5); // the reference handler frees unreachable direct buffers after the collection
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What one step produced. */
  public record Result(double loss, Gradients gradients) {}

  /**
   * Runs the batch and returns the loss and the gradients (the block's own gradients are zeroed
   * again).
   *
   * @param dropoutSeed reseeds libtorch's generator before the forward pass (e.g. from (round,
   *     partition, step) on executors); null continues the generator's current stream
   * @throws TrainingDivergedException when the loss or a gradient is not finite, naming the value
   *     (the gradients are zeroed first, so the block is as before the step)
   */
  public Result run(StudentModel student, TrainingBatch batch, Long dropoutSeed) {
    TorchRandom.LOCK.lock();
    try (NDManager manager = student.model().getNDManager().newSubManager()) {
      if (dropoutSeed != null) {
        JniUtils.setSeed(dropoutSeed);
      }
      NDList inputs = student.architecture().inputs(batch.features(), manager);
      double value;
      try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        ParameterStore parameters = new ParameterStore(manager, false);
        NDArray logits = student.block().forward(parameters, inputs, true).singletonOrThrow();
        NDArray l =
            loss.compute(logits, manager.create(batch.targets()), manager.create(batch.labels()), manager.create(batch.weights()));
        value = l.getFloat();
        if (Boolean.getBoolean(COLLECT_BEFORE_BACKWARD_PROPERTY)) {
          collectGarbage();
        }
        collector.backward(l);
      }
      Gradients gradients = Gradients.take(student.block(), batch.size());
      if (!Double.isFinite(value)) {
        throw new TrainingDivergedException("loss " + value + " on a batch of " + batch.size() + " rows");
      }
      String nonFinite = gradients.firstNonFinite();
      if (nonFinite != null) {
        throw new TrainingDivergedException("gradient " + nonFinite + " on a batch of " + batch.size() + " rows (loss " + value + ")");
      }
      return new Result(value, gradients);
    } finally {
      TorchRandom.LOCK.unlock();
    }
  }
}
