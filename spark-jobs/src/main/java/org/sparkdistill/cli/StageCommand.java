package org.sparkdistill.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import org.sparkdistill.stage.DamagedOutputs;
import org.sparkdistill.stage.Rebuild;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import picocli.CommandLine.Mixin;

/** A subcommand that runs one or more stages in order and prints each stage's figures. */
abstract class StageCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  /** The stages {@code --rebuild} can name and their data edges; {@link Rebuild#DEFAULT} unless the chain depends on the configuration. */
  protected Rebuild rebuild(DistillConfig config) {
    return Rebuild.DEFAULT;
  }

  /** The stages to run, in order. */
  protected abstract List<Stage> stages(StageContext context);

  @Override
  public Integer call() {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    StageContext context = new StageContext(spark, config, options.overwrite, rebuild(config).closure(options.rebuild));
    List<StageResult> results = new ArrayList<>();
    try {
      for (Stage stage : stages(context)) {
        StageResult result = stage.run();
        results.add(result);
        System.out.println(result.summary());
      }
      report(context, results);
    } catch (Exception e) { // Spark's exceptions are checked ones thrown from Scala
      throw DamagedOutputs.explain(e, context);
    }
    return 0;
  }

  /** Prints anything beyond the per-stage lines. */
  protected void report(StageContext context, List<StageResult> results) {}
}
