package org.sparkdistill.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sparkdistill.cli.SparkDistill;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import picocli.CommandLine;

/** Checks deploy files' arguments against the CLI's own picocli definitions and config loader. */
final class CliArgs {
  private CliArgs() {}

  /**
   * Parses {@code args} exactly as the job's main would, failing with picocli's message on an
   * unknown subcommand or option; returns the matched subcommand's name.
   */
  static String parse(String where, List<String> args) {
    CommandLine cli = new CommandLine(new SparkDistill());
    CommandLine.ParseResult result;
    try {
      result = cli.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError(where + ": the CLI rejects " + args + ": " + e.getMessage(), e);
    }
    assertThat(result.subcommand()).as(where + ": a subcommand in " + args).isNotNull();
    return result.subcommand().commandSpec().name();
  }

  /** The {@code --set} overrides among {@code args}. */
  static List<String> overrides(List<String> args) {
    List<String> sets = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if ((args.get(i).equals("--set") || args.get(i).equals("-s")) && i + 1 < args.size()) {
        sets.add(args.get(i + 1));
      } else if (args.get(i).startsWith("--set=")) {
        sets.add(args.get(i).substring("--set=".length()));
      }
    }
    return sets;
  }

  /** The {@code --config} value among {@code args}, or null. */
  static String config(List<String> args) {
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--config") || args.get(i).equals("-c")) {
        return args.get(i + 1);
      }
    }
    return null;
  }

  /** Loads the repository's copy of the named config with the overrides: every key must exist. */
  static DistillConfig load(Path repoConfig, List<String> args) {
    return ConfigLoader.load(repoConfig, overrides(args));
  }

  /** Executor cores that keep every core busy when teacher tasks share one GPU per executor. */
  static int coresForOneGpu(DistillConfig c) {
    double tasksPerGpu = 1 / c.resources.teacherTaskGpus;
    assertThat(Math.abs(tasksPerGpu - Math.rint(tasksPerGpu))).as("1 / resources.teacherTaskGpus is whole").isLessThan(1e-6);
    return (int) Math.rint(tasksPerGpu) * Math.max(1, c.resources.teacherTaskCpus);
  }
}
