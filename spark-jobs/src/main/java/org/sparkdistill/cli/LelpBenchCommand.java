package org.sparkdistill.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.LelpFitBenchmark;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lelp-bench}: the LELP fit's scale on generated rows ({@link LelpFitBenchmark}). Not a test: no assertion on time. */
@Command(
    name = "lelp-bench",
    description = "Time the LELP fit on generated rows (default 100k and 1M at d = 384) beside a generate-only pass; prints s per million rows and the per-row slope.")
final class LelpBenchCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--sizes", split = ",", description = "Row counts (default: ${DEFAULT-VALUE}).")
  List<Long> sizes = List.of(100_000L, 1_000_000L);

  @Option(names = "--dim", description = "Feature width d (default: ${DEFAULT-VALUE}).")
  int dim = 384;

  @Option(names = "--classes", description = "Classes C (default: ${DEFAULT-VALUE}).")
  int classes = 2;

  @Option(names = "--subclasses", description = "S (default: ${DEFAULT-VALUE}).")
  int subclasses = 4;

  @Option(names = "--partitions", description = "Partitions of the generated rows (default: ${DEFAULT-VALUE}).")
  int partitions = 8;

  @Override
  public Integer call() {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    new LelpFitBenchmark(spark, dim, classes, subclasses, partitions).run(sizes).forEach(System.out::println);
    return 0;
  }
}
