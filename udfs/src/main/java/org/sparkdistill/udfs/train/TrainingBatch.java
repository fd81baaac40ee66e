package org.sparkdistill.udfs.train;

import java.io.Serializable;
import java.util.List;

/**
 * One mini-batch in plain Java arrays, as a training step consumes it on the driver or on an
 * executor.
 *
 * @param features featurized texts ({@code StudentFeaturizer}), one per row
 * @param targets the method's target per row
 * @param labels class index per row, −1 where the row has no label
 * @param weights row weights
 */
public record TrainingBatch(List<int[]> features, float[][] targets, long[] labels, float[] weights) implements Serializable {
  public TrainingBatch {
    int n = features.size();
    if (n == 0 || targets.length != n || labels.length != n || weights.length != n) {
      throw new IllegalArgumentException(
          "a training batch needs N >= 1 rows of features, targets, labels and weights, got " + n + ", " + targets.length + ", "
              + labels.length + ", " + weights.length);
    }
  }

  public int size() {
    return features.size();
  }
}
