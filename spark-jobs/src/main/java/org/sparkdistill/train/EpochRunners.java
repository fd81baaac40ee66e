package org.sparkdistill.train;

import java.util.SortedMap;
import java.util.TreeMap;
import org.sparkdistill.config.DistillConfig;

/** The epoch runner that {@code student.trainer} names, and the settings that shape its results. */
public final class EpochRunners {
  private EpochRunners() {}

  /**
   * @throws IllegalArgumentException naming the bad value and the valid ones
   */
  public static EpochRunner of(DistillConfig.StudentSettings s, int batchSize) {
    switch (s.trainer) {
      case "driver":
        return new DriverEpochs(batchSize, s.seed);
      case "data-parallel":
        return new DataParallelEpochs(s.parallelism, s.localSteps, batchSize, s.seed, combine(s.combine), s.learningRate, s.weightDecay);
      default:
        throw new IllegalArgumentException("student.trainer must be one of [driver, data-parallel], got: " + s.trainer);
    }
  }

  /** Plan settings of the runner (none for the driver's loop, so its outputs keep their fingerprints). */
  public static SortedMap<String, String> settings(DistillConfig.StudentSettings s) {
    SortedMap<String, String> out = new TreeMap<>();
    if (!s.trainer.equals("driver")) {
      out.put("student.trainer", s.trainer);
      out.put("student.parallelism", Integer.toString(s.parallelism));
      out.put("student.combine", s.combine);
      out.put("student.localSteps", Integer.toString(s.localSteps));
    }
    return out;
  }

  private static DataParallelEpochs.Mode combine(String value) {
    switch (value) {
      case "gradients":
        return DataParallelEpochs.Mode.GRADIENTS;
      case "model-averaging":
        return DataParallelEpochs.Mode.MODEL_AVERAGING;
      default:
        throw new IllegalArgumentException("student.combine must be one of [gradients, model-averaging], got: " + value);
    }
  }
}
