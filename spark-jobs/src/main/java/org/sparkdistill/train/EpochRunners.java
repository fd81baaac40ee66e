package org.sparkdistill.train;

import java.util.SortedMap;
import java.util.TreeMap;
import org.sparkdistill.config.CombineMode;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentTrainerKind;

/** The epoch runner that {@code student.trainer} names, and the settings that shape its results. */
public final class EpochRunners {
  private EpochRunners() {}

  /**
   * @throws IllegalArgumentException naming the bad value and the valid ones
   */
  public static EpochRunner of(DistillConfig.StudentSettings s, int batchSize) {
    switch (s.trainer) {
      case DATA_PARALLEL:
        return new DataParallelEpochs(s.parallelism, s.localSteps, batchSize, s.seed, combine(s.combine), s.learningRate, s.weightDecay);
      case DRIVER:
      default:
        return new DriverEpochs(batchSize, s.seed);
    }
  }

  /** Plan settings of the runner (none for the driver's loop, so its outputs keep their fingerprints). */
  public static SortedMap<String, String> settings(DistillConfig.StudentSettings s) {
    SortedMap<String, String> out = new TreeMap<>();
    if (s.trainer != StudentTrainerKind.DRIVER) {
      out.put("student.trainer", s.trainer.toString());
      out.put("student.parallelism", Integer.toString(s.parallelism));
      out.put("student.combine", s.combine.toString());
      out.put("student.localSteps", Integer.toString(s.localSteps));
    }
    return out;
  }

  private static DataParallelEpochs.Mode combine(CombineMode value) {
    return value == CombineMode.MODEL_AVERAGING ? DataParallelEpochs.Mode.MODEL_AVERAGING : DataParallelEpochs.Mode.GRADIENTS;
  }
}
