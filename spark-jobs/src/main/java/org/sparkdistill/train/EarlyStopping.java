package org.sparkdistill.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;

/**
 * Keeps the epoch with the best validation accuracy (its parameters in {@link
 * TrainingState#bestParameters}) and stops training after {@code patience} epochs without a
 * better one. Ties keep the earlier epoch. Memory: one copy of the parameters.
 */
public final class EarlyStopping implements TrainingListener {
  private final int patience;

  public EarlyStopping(int patience) {
    if (patience < 1) {
      throw new IllegalArgumentException("patience must be >= 1, got: " + patience);
    }
    this.patience = patience;
  }

  @Override
  public void onEpochEnd(TrainingState state, StudentModel student, ResumableAdam optimizer) {
    double accuracy = state.lastValidationAccuracy();
    if (accuracy > state.bestValidationAccuracy) {
      state.bestValidationAccuracy = accuracy;
      state.bestEpoch = state.epoch;
      state.bestParameters = parameters(student);
    }
    if (state.epoch - state.bestEpoch >= patience) {
      state.stopRequested = true;
    }
  }

  /** The student's parameters as bytes. */
  static byte[] parameters(StudentModel student) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      student.saveParameters(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
