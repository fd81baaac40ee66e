package org.sparkdistill.cli;

import java.util.LinkedHashSet;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point, for {@code deploy/run-local.sh} and for {@code spark-submit --class
 * org.sparkdistill.cli.SparkDistill}. Exit codes: 0 success, 1 a stage failed, 2 a usage error.
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
      Subcommands.Pipeline.class,
      BenchmarkCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SparkDistill implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    int code = execute(args);
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

  /** The distinct messages of an exception's cause chain, innermost last: Spark wraps task errors. */
  static String describe(Throwable e) {
    Set<String> messages = new LinkedHashSet<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !(t instanceof org.apache.spark.SparkException)) {
        messages.add(t.getMessage().lines().findFirst().orElse("").startsWith("Job aborted") ? "" : t.getMessage());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    messages.remove("");
    if (messages.isEmpty()) {
      return e.toString();
    }
    String last = null;
    for (String m : messages) {
      last = m;
    }
    return last;
  }
}
