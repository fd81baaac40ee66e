package org.sparkdistill.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.spark.SparkSessions;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.OutputVerifier;
import org.sparkdistill.stage.ReportStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Subcommands that inspect finished outputs without running stages: {@code status} and {@code verify}. */
final class InspectCommands {
  private InspectCommands() {}

  static List<Stage> stages(StageContext context) {
    List<Stage> stages = new ArrayList<>(Chain.full(context));
    stages.add(new ReportStage(context));
    return stages;
  }

  static StageContext context(RunOptions options) {
    ConsoleLogging.configure(options.stacktrace);
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    SparkSession spark = SparkSessions.getOrCreate(config.spark);
    return new StageContext(spark, config, false);
  }

  @Command(
      name = "status",
      description = "List every stage of the configuration with its state (done / stale with the changed setting / missing), from the manifests alone; runs no Spark job.")
  static final class Status implements Callable<Integer> {
    @Mixin RunOptions options;

    @Override
    public Integer call() {
      for (StageStatus.Entry e : StageStatus.of(stages(context(options)))) {
        System.out.println(e.line());
      }
      return 0;
    }
  }

  @Command(
      name = "verify",
      description = "Check finished outputs against their manifests: listed files present and readable, Parquet row counts, model hashes. Exit 1 naming the damaged stage.")
  static final class Verify implements Callable<Integer> {
    @Mixin RunOptions options;

    @Override
    public Integer call() {
      StageContext context = context(options);
      List<OutputVerifier.Result> results = OutputVerifier.verify(stages(context), context.spark().sparkContext().hadoopConfiguration());
      results.forEach(r -> System.out.println(r.line()));
      List<OutputVerifier.Result> bad = results.stream().filter(r -> !r.ok()).toList();
      if (bad.isEmpty()) {
        System.out.println("verify: every finished output matches its manifest");
        return 0;
      }
      OutputVerifier.Result first = bad.get(0);
      System.err.println(
          "error: the " + first.stage() + " output at " + first.output() + " is " + first.state() + ": " + first.detail()
              + (first.state().equals("damaged") ? "" : "; rerun with --overwrite (or --rebuild " + first.stage() + ")"));
      return 1;
    }
  }
}
