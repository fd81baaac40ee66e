package org.sparkdistill.train;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.TrainingStep;

/**
 * How one epoch's gradient steps are taken: the training-loop seam. {@link DriverEpochs} streams
 * the rows to the driver and steps there; a data-parallel runner broadcasts the weights, runs the
 * same {@link TrainingStep} in executor tasks and combines their gradients or weights. The loop
 * around it (validation, early stopping, checkpoints) is the same for both.
 */
public interface EpochRunner {
  /**
   * Trains {@code student} for one epoch over {@code rows} ({@link FeaturizedRows#SCHEMA}) and
   * returns the mean training loss of its batches.
   *
   * @param epoch 1-based; shuffles and dropout are seeded from it, so a resumed epoch repeats exactly
   */
  double run(int epoch, Dataset<Row> rows, StudentModel student, ResumableAdam optimizer, TrainingStep step);

  /** Called after each round of an epoch of rounds, with the progress so far and the epoch's round count. */
  @FunctionalInterface
  interface RoundListener {
    void afterRound(int epoch, EpochProgress progress, int rounds);
  }

  /**
   * Runs epoch {@code epoch} from {@code from} (rounds already done, restored from a mid-epoch
   * checkpoint) and calls {@code afterRound} after every round. Runners without rounds (the
   * driver's loop) start epochs from the beginning only and never call it.
   *
   * @throws IllegalStateException when {@code from} is mid-epoch and this runner has no rounds
   */
  default double run(int epoch, Dataset<Row> rows, StudentModel student, ResumableAdam optimizer, TrainingStep step, EpochProgress from, RoundListener afterRound) {
    if (from.round() != 0) {
      throw new IllegalStateException(
          "the checkpoint stopped after round " + from.round() + " of epoch " + epoch + ", but " + getClass().getSimpleName()
              + " resumes at epoch boundaries only (resume with the student.trainer that wrote it, or rerun with --overwrite)");
    }
    return run(epoch, rows, student, optimizer, step);
  }
}
