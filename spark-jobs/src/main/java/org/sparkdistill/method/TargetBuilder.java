package org.sparkdistill.method;

import java.util.List;
import java.util.SortedMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A distillation method's part of the shared {@code targets} stage: turns teacher-cache rows
 * ({@code CacheSchemas.scores()}) into one target distribution and weight per row. The stage
 * around it adds the text, split and label, writes, and publishes the manifest; methods differ
 * only here (KD: tempered softmax; LELP: pseudo-subclasses; MUKA: several teachers).
 */
public interface TargetBuilder {
  /** The {@code targets.method} name. */
  String method();

  /** Everything that shapes the targets, recorded in the manifest and fingerprint. */
  SortedMap<String, String> settings();

  /**
   * Rows {@code (id string, target array<float>, weight double)} for every cache row, lazily.
   *
   * @param labels label names in class-index order; targets follow it
   * @param source names the cache in errors
   */
  Dataset<Row> build(Dataset<Row> scores, List<String> labels, String source);
}
