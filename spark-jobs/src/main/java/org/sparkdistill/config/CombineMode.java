package org.sparkdistill.config;

/** {@code student.combine}: how data-parallel rounds combine the tasks' work. */
public enum CombineMode {
  /** Synchronous gradient averaging, one step per round, the driver's Adam applies the mean. */
  GRADIENTS,
  /** Local SGD: several local steps per task, the driver takes the row-weighted mean of the weights. */
  MODEL_AVERAGING;

  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }
}
