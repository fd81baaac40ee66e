package org.sparkdistill.curve;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.StageContext;

/**
 * The configuration of one (label budget, seed) cell of a comparison over budgets and seeds (the
 * learning curve, the LELP comparison): its own work directory {@code
 * <workDir>/<dir>/n<budget>-s<seed>}, the base run's encoding shared by every cell (the texts are
 * the same), the budget, and the seed for the label draw, the teacher and the student. Speed is
 * not measured per cell.
 */
public final class CellConfigs {
  private CellConfigs() {}

  public static DistillConfig of(SparkSession spark, DistillConfig base, boolean overwrite, String dir, int labelsPerClass, long seed) {
    DistillConfig c = base.copy();
    c.workDir = new Path(new Path(base.workDir, dir), "n" + labelsPerClass + "-s" + seed).toString();
    c.outputs.putIfAbsent(EncodeStage.NAME, new StageContext(spark, base, overwrite).output(EncodeStage.NAME).dir().toString());
    c.data.split.labelledPerClass = labelsPerClass;
    c.data.split.labelSeed = seed;
    c.teacher.seed = seed;
    c.student.seed = seed;
    c.evaluate.speed = false;
    return c;
  }
}
