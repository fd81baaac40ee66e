package org.sparkdistill.train;

import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;

/**
 * Hooks around the training loop, after DJL's {@code TrainingListener}: early stopping,
 * checkpoints and progress are listeners, so a loop (the driver's, or data-parallel rounds) only
 * runs epochs. Called on the driver, in the order they were added.
 */
public interface TrainingListener {
  /** Before the first epoch of this run (after a resume: with the restored state). */
  default void onTrainingBegin(TrainingState state, StudentModel student, ResumableAdam optimizer) {}

  /** After each epoch, once its validation accuracy is in {@code state.history}. */
  default void onEpochEnd(TrainingState state, StudentModel student, ResumableAdam optimizer) {}

  /** After the last epoch, before the best parameters are restored. */
  default void onTrainingEnd(TrainingState state, StudentModel student, ResumableAdam optimizer) {}
}
