package org.sparkdistill.stage;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.io.StageOutput;

/**
 * What every stage of one run shares: the session, the validated configuration, and whether
 * finished outputs with other inputs or settings may be replaced.
 *
 * @param overwrite replace an existing output whose plan differs (atomically) instead of refusing
 */
public record StageContext(SparkSession spark, DistillConfig config, boolean overwrite) {

  /** The output directory of {@code stage}: {@code outputs.<stage>}, else under the work directory. */
  public StageOutput output(String stage) {
    String dir = config.outputs.getOrDefault(stage, new Path(config.workDir, stage).toString());
    return new StageOutput(dir, spark.sparkContext().hadoopConfiguration());
  }
}
