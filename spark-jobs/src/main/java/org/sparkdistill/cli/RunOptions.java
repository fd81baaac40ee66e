package org.sparkdistill.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every subcommand takes. */
public final class RunOptions {
  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE|URI",
      description =
          "YAML configuration (see conf/): a local path, or a Hadoop URI (hdfs:///..., s3a://..., file:/...)."
              + " In cluster deploy mode ship a local file with --files and pass its file name. Without it, built-in defaults.")
  String config;

  @Option(
      names = {"-s", "--set"},
      paramLabel = "KEY=VALUE",
      description = "Override a config value, e.g. --set encoder.maxLength=64 --set workDir=/data/run1. Repeatable.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--overwrite",
      description = "Replace finished outputs that were made from other inputs or settings (atomically). Without it such outputs are refused.")
  boolean overwrite;

  @Option(
      names = "--rebuild",
      paramLabel = "STAGE",
      description = "Recompute STAGE and every stage downstream of it even when their settings are unchanged (e.g. after `verify` found a damaged output).")
  String rebuild;

  @Option(names = "--stacktrace", description = "Print full stack traces on errors (also Spark's task failure traces, which are otherwise kept out of the console).")
  boolean stacktrace;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;
}
