package org.sparkdistill.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.TrainingBenchmark;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import org.sparkdistill.stage.DamagedOutputs;
import org.sparkdistill.stage.Rebuild;
import org.sparkdistill.stage.StageContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train-benchmark}: the driver's loop beside data-parallel rounds over several task counts (see {@link TrainingBenchmark}). */
@Command(
    name = "train-benchmark",
    description = "Train the student on the same targets with the driver's loop and with data-parallel rounds over 1, 2, 4 tasks per seed;"
        + " prints rows/s, efficiency per task, time per round (broadcast/compute/combine) and test accuracy.")
final class TrainBenchmarkCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--tasks", split = ",", description = "Data-parallel task counts (default: ${DEFAULT-VALUE}).")
  List<Integer> tasks = List.of(1, 2, 4);

  @Option(names = "--seeds", split = ",", description = "Student seeds (default: ${DEFAULT-VALUE}).")
  List<Long> seeds = List.of(1L, 2L, 3L);

  @Override
  public Integer call() {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    for (int k : tasks) {
      if (k < 1) {
        throw new IllegalArgumentException("--tasks must list task counts >= 1, got: " + tasks);
      }
    }
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    StageContext context = new StageContext(spark, config, options.overwrite, Rebuild.from(options.rebuild));
    try {
      List<TrainingBenchmark.Cell> cells = new TrainingBenchmark(context).run(tasks, seeds);
      System.out.println();
      System.out.println("### Data-parallel training vs the driver's loop (" + config.student.architecture + " student, " + config.student.mode + ", seeds " + seeds + ")");
      System.out.println();
      System.out.print(TrainingBenchmark.table(cells));
      for (TrainingBenchmark.Cell c : cells) {
        System.out.println("cell " + c);
      }
    } catch (Exception e) { // Spark's exceptions are checked ones thrown from Scala
      throw DamagedOutputs.explain(e, context);
    }
    return 0;
  }
}
