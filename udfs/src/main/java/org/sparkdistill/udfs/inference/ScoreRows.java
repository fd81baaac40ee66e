package org.sparkdistill.udfs.inference;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;

/** Builds {@link CacheSchemas#scores()} rows, in schema order, for every kind of teacher. */
final class ScoreRows {
  private ScoreRows() {}

  static Row of(
      String id,
      String split,
      String label,
      boolean truncated,
      float[] logits,
      float[] features,
      McDropoutStatistics mc) {
    return RowFactory.create(
        id,
        split,
        label,
        truncated,
        logits,
        features,
        argmax(logits),
        mc.meanProbabilities(),
        mc.predictiveEntropy(),
        mc.certainty(),
        mc.variance(),
        mc.mutualInformation());
  }

  static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
