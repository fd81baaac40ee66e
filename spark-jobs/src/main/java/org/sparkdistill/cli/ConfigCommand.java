package org.sparkdistill.cli;

import java.util.concurrent.Callable;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spark-distill config}: every setting with its type, default, rule and documentation;
 * with {@code --resolved}, the validated values of {@code --config} and {@code --set} instead,
 * one {@code key = value} per line (the names manifests record). Starts no Spark session.
 */
@Command(name = "config", description = "List every setting (key, type, default, rule, doc); --resolved: the values a run would use.")
final class ConfigCommand implements Callable<Integer> {
  @Mixin RunOptions options;

  @Option(names = "--resolved", description = "Print the validated values of --config and --set instead of the reference.")
  boolean resolved;

  @Override
  public Integer call() {
    if (!resolved) {
      System.out.print(Settings.describe());
      return 0;
    }
    DistillConfig config = ConfigLoader.load(options.config, options.overrides);
    for (Settings.Entry e : Settings.entries()) {
      System.out.println(e.key() + " = " + Settings.text(Settings.value(config, e.key())));
    }
    return 0;
  }
}
