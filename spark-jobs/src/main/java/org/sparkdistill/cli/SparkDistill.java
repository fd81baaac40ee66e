package org.sparkdistill.cli;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point, for {@code deploy/run-local.sh} and for {@code spark-submit --class
 * org.sparkdistill.cli.SparkDistill}. Exit codes: 0 success, 1 a stage failed, 2 a usage error.
 *
 * <p>{@link #main} stops Spark before it ends, then returns normally on success. Under
 * spark-submit a failure is thrown from {@code main} (after the stop) instead of {@code
 * System.exit}: YARN's ApplicationMaster, the standalone DriverWrapper and the Kubernetes driver
 * report a thrown main as FAILED and a returned one as SUCCEEDED, whereas an exit from inside
 * main on YARN is reported as FAILED even for code 0 ("shutdown hook called before final status
 * was reported"). Launched as a plain JVM ({@code deploy/run-local.sh}) it exits with the code.
 */
@Command(
    name = "spark-distill",
    mixinStandardHelpOptions = true,
    version = "spark-distill 0.1.0",
    description = "Knowledge distillation on Apache Spark: teacher cache, targets, students.",
    subcommands = {
      Subcommands.Prepare.class,
      Subcommands.Encode.class,
      Subcommands.TrainTeacher.class,
      Subcommands.Score.class,
      Subcommands.Targets.class,
      Subcommands.TrainStudent.class,
      Subcommands.Predict.class,
      Subcommands.Evaluate.class,
      Subcommands.Teacher.class,
      Subcommands.Pipeline.class,
      Subcommands.Curve.class,
      MukaCommand.class,
      MukaBenchmarkCommand.class,
      McTableCommand.class,
      LelpCommand.class,
      LelpBenchCommand.class,
      PmdCommands.Graph.class,
      PmdCommands.ZeroShot.class,
      PmdCommands.Teacher.class,
      PmdCommands.Pmd.class,
      TrainBenchmarkCommand.class,
      ScaleCommand.class,
      InspectCommands.Status.class,
      InspectCommands.Verify.class,
      Subcommands.Leakage.class,
      Subcommands.Sweep.class,
      BenchmarkCommand.class,
      ConfigCommand.class,
      NativesCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SparkDistill implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    int code;
    try {
      code = execute(args);
    } finally {
      SparkStop.stopAll();
    }
    if (code == 0) {
      return;
    }
    if (SparkStop.underSparkSubmit()) {
      throw new CliFailedException(code);
    }
    System.exit(code);
  }

  /** Runs the CLI without exiting the JVM (used by tests). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new SparkDistill());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          boolean trace = parseResult.subcommand() != null && parseResult.subcommand().hasMatchedOption("--stacktrace");
          commandLine.getErr().println("error: " + describe(e));
          if (trace) {
            e.printStackTrace(commandLine.getErr());
          } else {
            commandLine.getErr().println("(run with --stacktrace for details)");
          }
          return 1;
        });
    return cli.execute(args);
  }

  /**
   * The most useful message of an exception's cause chain: Spark wraps task errors several times,
   * so prefer the innermost error raised by this project's own checks, else the innermost message.
   */
  static String describe(Throwable e) {
    String ours = null;
    String innermost = e.toString();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() == null) {
        continue;
      }
      innermost = t.getMessage();
      boolean projectError =
          t.getClass().getName().startsWith("org.sparkdistill")
              || Arrays.stream(t.getStackTrace()).limit(3).anyMatch(f -> f.getClassName().startsWith("org.sparkdistill"));
      if (projectError && !(t instanceof org.apache.spark.SparkException)) {
        ours = t.getMessage();
      }
    }
    return ours != null ? ours : innermost;
  }
}
