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
}
