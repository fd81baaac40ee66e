package org.sparkdistill.cli;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.MukaTargetsBenchmark;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code muka-benchmark}: MUKA targets over generated caches at several sizes (see {@link MukaTargetsBenchmark}). */
@Command(
    name = "muka-benchmark",
    description = "Time MUKA's targets over two generated teacher caches (id, logits, certainty) per size; prints rows/s and per-row time ratios.")
final class MukaBenchmarkCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--rows", split = ",", description = "Cache sizes (default: ${DEFAULT-VALUE}).")
  List<Long> rows = List.of(1_000_000L, 10_000_000L);

  @Option(names = "--scratch", description = "Directory for the generated caches and targets (default: a temporary directory).")
  String scratch;

  @Override
  public Integer call() throws Exception {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    String dir = scratch != null ? scratch : Files.createTempDirectory("spark-distill-muka-bench").toString();
    new MukaTargetsBenchmark(spark, dir).run(rows);
    return 0;
  }
}
