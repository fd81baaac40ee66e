package org.sparkdistill.config;

/** {@code student.mode}: what the student learns from. */
public enum StudentMode {
  /** Labels plus the teacher's targets, on the labelled train and the transfer splits. */
  KD,
  /** The labelled train split alone, plain cross-entropy: the baseline. */
  LABELS;

  /** The configuration spelling ({@code kd}, {@code labels}); also names output directories. */
  @Override
  public String toString() {
    return ConfigEnums.name(this);
  }

  /** The mode spelled {@code text}; the error lists the valid modes. */
  public static StudentMode parse(String text) {
    return ConfigEnums.parse(StudentMode.class, "student.mode", text);
  }
}
