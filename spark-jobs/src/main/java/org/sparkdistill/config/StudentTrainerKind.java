package org.sparkdistill.config;

/** {@code student.trainer}: where the student's gradient steps run. */
public enum StudentTrainerKind {
  /** The driver streams the rows and takes every step (one core, exact resume). */
  DRIVER,
  /** Driver-coordinated rounds over executor tasks ({@code org.sparkdistill.train.DataParallelEpochs}). */
  DATA_PARALLEL;

  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }
}
