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
 * @param rebuild stages that recompute even when up to date ({@code --rebuild}, see {@link Rebuild})
 */
public record StageContext(SparkSession spark, DistillConfig config, boolean overwrite, java.util.Set<String> rebuild) {
  public StageContext(SparkSession spark, DistillConfig config, boolean overwrite) {
    this(spark, config, overwrite, java.util.Set.of());
  }

  /** The same session, flags and rebuild set with another configuration (e.g. another student mode). */
  public StageContext with(DistillConfig other) {
    return new StageContext(spark, other, overwrite, rebuild);
  }

  /** The output directory of {@code stage}: {@code outputs.<stage>}, else under the work directory. */
  public StageOutput output(String stage) {
    String dir = config.outputs.getOrDefault(stage, new Path(config.workDir, stage).toString());
    return new StageOutput(dir, spark.sparkContext().hadoopConfiguration());
  }
}
