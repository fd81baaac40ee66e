package org.sparkdistill.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.ScaleBenchmark;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import org.sparkdistill.stage.DamagedOutputs;
import org.sparkdistill.stage.Rebuild;
import org.sparkdistill.stage.StageContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scale}: the stages after the encoder on generated data at growing sizes (see {@link ScaleBenchmark}). */
@Command(
    name = "scale",
    description = "Run prepare, a hashing stand-in for encode, train-teacher, score, targets, one epoch of train-student and predict"
        + " on generated texts at each size; prints seconds and µs per row per stage, the largest/smallest per-row ratio, the fit"
        + " time = a + b·rows and the peak heap. Run with DRIVER_MEMORY=1g to check a 1 GB driver. Resumes per size and stage.")
final class ScaleCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--rows", split = ",", description = "Sizes in rows, smallest first (default: ${DEFAULT-VALUE}).")
  List<Long> rows = List.of(100_000L, 1_000_000L);

  @Option(names = "--dim", description = "Features per row of the hashing stand-in (default: ${DEFAULT-VALUE}, all-MiniLM-L6-v2's width).")
  int dim = 384;

  @Option(names = "--seed", description = "Seeds the generated texts and the hashing (default: ${DEFAULT-VALUE}).")
  long seed = 7;

  @Override
  public Integer call() {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    if (rows.isEmpty() || rows.stream().anyMatch(n -> n < 1000)) {
      throw new IllegalArgumentException("--rows must list sizes of at least 1000 rows, got: " + rows);
    }
    for (int i = 1; i < rows.size(); i++) {
      if (rows.get(i) <= rows.get(i - 1)) {
        throw new IllegalArgumentException("--rows must list sizes smallest first, each larger than the last, got: " + rows);
      }
    }
    if (dim < 1) {
      throw new IllegalArgumentException("--dim must be >= 1, got: " + dim);
    }
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    StageContext context = new StageContext(spark, config, options.overwrite, Rebuild.from(options.rebuild));
    try {
      List<ScaleBenchmark.Size> sizes = new ScaleBenchmark(context, dim, seed).run(rows);
      System.out.println();
      System.out.println("### Scale: time per stage vs rows (generated texts, hashing features of " + dim + " floats, " + config.student.trainer + " student trainer)");
      System.out.println();
      System.out.print(ScaleBenchmark.table(sizes));
    } catch (Exception e) { // Spark's exceptions are checked ones thrown from Scala
      throw DamagedOutputs.explain(e, context);
    }
    return 0;
  }
}
