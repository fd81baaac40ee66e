package org.sparkdistill.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.bench.McDropoutTable;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import org.sparkdistill.stage.DamagedOutputs;
import org.sparkdistill.stage.Rebuild;
import org.sparkdistill.stage.StageContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mc-table}: mutual information and teacher selection for head-only, top-N and whole-model MC dropout (see {@link McDropoutTable}). */
@Command(
    name = "mc-table",
    description = "Train two fine-tuned teachers on label subsets (muka.teachers), score the same test texts with MC dropout over the head,"
        + " the top N layers and the whole model; prints mean mutual information, teacher-selection accuracy and seconds per variant.")
final class McTableCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--rows", description = "Test texts scored by every variant (default: ${DEFAULT-VALUE}).")
  int rows = 600;

  @Option(names = "--passes", description = "MC passes K per variant (default: score.mcPasses).")
  Integer passes;

  @Option(names = "--layers", split = ",", description = "MC variants: the top N layers (0: head only; the layer count: whole model) (default: ${DEFAULT-VALUE}).")
  List<Integer> layers = List.of(0, 1, 2, 6);

  @Override
  public Integer call() throws Exception {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    StageContext context = new StageContext(spark, config, options.overwrite, Rebuild.from(options.rebuild));
    int k = passes == null ? config.score.mcPasses : passes;
    try {
      McDropoutTable.Result result = new McDropoutTable(context).run(rows, k, layers);
      String table = McDropoutTable.table(result);
      System.out.println();
      System.out.println("### MC dropout: head only vs top N layers vs whole model (" + result.rows() + " test texts, teachers " + result.teachers() + ", K = " + k + ")");
      System.out.println();
      System.out.print(table);
      System.out.println();
      for (int t = 0; t < result.teachers().size(); t++) {
        System.out.printf(java.util.Locale.ROOT, "teacher %s: %d labels, accuracy within its labels (deterministic) %.4f%n", result.teachers().get(t), result.labels().get(t).size(), result.withinSubsetAccuracy()[t]);
      }
      // Every run publishes a new numbered record under <workDir>/mc-table/ (write-once; nothing is replaced).
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(config.workDir, "mc-table");
      @SuppressWarnings({"unchecked", "rawtypes"})
      org.sparkdistill.io.VersionedFiles<java.util.Map> records =
          new org.sparkdistill.io.VersionedFiles<>(dir, "mc-table", java.util.Map.class, spark.sparkContext().hadoopConfiguration());
      long number = records.publish(McDropoutTable.toMap(result));
      System.out.println("results: " + records.path(number));
    } catch (Exception e) { // Spark's exceptions are checked ones thrown from Scala
      throw DamagedOutputs.explain(e, context);
    }
    return 0;
  }
}
