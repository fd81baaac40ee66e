package org.sparkdistill.method.lelp;

import java.util.List;

/**
 * Which rows define class c for LELP's per-class statistics: {@code prediction} (the teacher's
 * argmax, every cache row) or {@code label} (labelled rows only).
 *
 * <p>Kept apart from {@link LelpParams} so that validating a configuration never loads Spark ML
 * classes: a cluster whose Spark installation lacks {@code spark-mllib} still reads its config and
 * fails only when a stage needs ML.
 */
public final class LelpMembership {
  public static final String PREDICTION = "prediction";
  public static final String LABEL = "label";
  /** Every accepted value, in the order error messages list them. */
  public static final List<String> VALUES = List.of(PREDICTION, LABEL);

  private LelpMembership() {}
}
