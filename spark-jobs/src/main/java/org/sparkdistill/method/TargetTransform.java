package org.sparkdistill.method;

import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A method's (fitted) map from teacher caches to training targets, applied lazily by the targets
 * stage. A method with a fit step returns its fitted model here (an Estimator's Model); it can
 * save its fitted state next to the targets, so the state is published and hashed with them.
 */
public interface TargetTransform {
  /**
   * Rows {@code (id string, target array<float>, weight double)} for every row the student may
   * train on, lazily (Spark operations, never collected to the driver). Further columns (e.g.
   * MUKA's selected teacher) are written beside the targets.
   *
   * @param caches each {@link TeacherInput#role()}'s cache rows
   * @param sources each role's cache location, for error messages
   */
  Dataset<Row> transform(Map<String, Dataset<Row>> caches, Map<String, String> sources);

  /** Writes fitted state into the targets' run directory (default: none). */
  default void save(Path runDir, org.apache.hadoop.conf.Configuration conf) {}

  /**
   * Figures of the written targets for the manifest (default: none), from the targets stage's
   * rows ({@code CacheSchemas.targets()}) read back: {@code written} defines the DataFrame (a
   * listing of the run directory) only when asked, and each action on it is one more pass.
   */
  default Map<String, Object> writtenMetrics(java.util.function.Supplier<Dataset<Row>> written) {
    return Map.of();
  }

  /** Figures of the fit for the manifest (default: none). */
  default Map<String, Object> metrics() {
    return Map.of();
  }
}
