package org.sparkdistill.udfs.student;

import java.io.Serializable;

/**
 * Turns one text into the integer features a student consumes (hashed n-gram ids, token ids, ...).
 * Runs on executors while training rows are prepared and inside predict tasks, so it must be
 * serialisable, immutable and thread-safe.
 */
@FunctionalInterface
public interface StudentFeaturizer extends Serializable {
  /** The features of {@code text}; never null. */
  int[] featurize(String text);
}
