package org.sparkdistill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.config.ConfigLoader;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.testing.TestConfigs;

/** Usage errors and configuration handling of the one entry point. */
class SparkDistillCliTest {
  @TempDir Path tmp;

  private static String stderrOf(Runnable run) {
    PrintStream old = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true));
    try {
      run.run();
    } finally {
      System.setErr(old);
    }
    return buffer.toString();
  }

  @Test
  void unknownSubcommandsAndOptionsAreUsageErrors() {
    int[] code = new int[1];
    String err = stderrOf(() -> code[0] = SparkDistill.execute("distil-everything"));
    assertThat(code[0]).isEqualTo(2);
    assertThat(err).contains("distil-everything");
    err = stderrOf(() -> code[0] = SparkDistill.execute("encode", "--no-such-flag"));
    assertThat(code[0]).isEqualTo(2);
    assertThat(err).contains("--no-such-flag");
  }

  @Test
  void badConfigurationIsReportedWithTheKeyAndValue() throws Exception {
    Path conf = Files.writeString(tmp.resolve("c.yaml"), "encoder:\n  maxLenght: 64\n");
    int[] code = new int[1];
    String err = stderrOf(() -> code[0] = SparkDistill.execute("prepare", "--config", conf.toString()));
    assertThat(code[0]).isEqualTo(1);
    assertThat(err).contains("unknown config key 'maxLenght'").contains("c.yaml");

    String local = TestConfigs.projectRoot().resolve("conf/local.yaml").toString();
    err = stderrOf(() -> code[0] = SparkDistill.execute("prepare", "-c", local, "--set", "score.mcPasses=0"));
    assertThat(code[0]).isEqualTo(1);
    assertThat(err).contains("score.mcPasses must be >= 1, got: 0");
    err = stderrOf(() -> code[0] = SparkDistill.execute("prepare", "-c", local, "--set", "maxLength"));
    assertThat(err).contains("override must be key=value");
  }

  @Test
  void overridesReachNestedKeysListsAndSparkProperties() {
    DistillConfig c =
        ConfigLoader.load(
            TestConfigs.projectRoot().resolve("conf/local.yaml"),
            List.of("encoder.maxLength=64", "data.labels=x,y", "spark.conf.spark.sql.shuffle.partitions=3", "workDir=/tmp/w"));
    assertThat(c.encoder.maxLength).isEqualTo(64);
    assertThat(c.data.labels).containsExactly("x", "y");
    assertThat(c.spark.conf).containsEntry("spark.sql.shuffle.partitions", "3");
    assertThat(c.workDir).isEqualTo("/tmp/w");
  }

  private static String stdoutOf(Runnable run) {
    PrintStream old = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true));
    try {
      run.run();
    } finally {
      System.setOut(old);
    }
    return buffer.toString();
  }

  @Test
  void configListsEverySettingAndTheResolvedValues() {
    int[] code = new int[1];
    String out = stdoutOf(() -> code[0] = SparkDistill.execute("config"));
    assertThat(code[0]).isZero();
    assertThat(out).contains("encoder.maxLength  (int, in [2, 8192])  default: 128").contains("student.mode  (kd|labels)  default: kd");
    String local = TestConfigs.projectRoot().resolve("conf/local.yaml").toString();
    out = stdoutOf(() -> code[0] = SparkDistill.execute("config", "--resolved", "-c", local, "--set", "encoder.maxLength=64"));
    assertThat(code[0]).isZero();
    assertThat(out).contains("encoder.maxLength = 64\n").contains("teacher.seed = 1\n").contains("encoder.pooling = mean\n");
    String err = stderrOf(() -> code[0] = SparkDistill.execute("config", "--resolved", "-c", local, "--set", "encoder.maxLength=abc"));
    assertThat(code[0]).isEqualTo(1);
    assertThat(err).contains("--set encoder.maxLength=abc: expected an integer, got 'abc'");
  }

  @Test
  void everyShippedConfigIsValid() {
    for (String name : List.of("local.yaml", "yarn.yaml", "k8s.yaml")) {
      DistillConfig c = ConfigLoader.load(TestConfigs.projectRoot().resolve("conf").resolve(name), List.of());
      assertThat(c.data.labels).as(name).hasSize(20);
    }
    assertThatThrownBy(() -> ConfigLoader.load(tmp.resolve("missing.yaml"), List.of())).hasMessageContaining("config file does not exist");
  }

  @Test
  void helpWorksOnEverySubcommand() {
    picocli.CommandLine cli = new picocli.CommandLine(new SparkDistill());
    assertThat(cli.getSubcommands().keySet()).contains("pipeline", "teacher", "prepare", "evaluate", "status", "verify", "benchmark");
    for (String name : cli.getSubcommands().keySet()) {
      if (name.equals("help")) {
        continue;
      }
      PrintStream old = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      System.setOut(new PrintStream(out, true));
      int code;
      try {
        code = SparkDistill.execute(name, "--help");
      } finally {
        System.setOut(old);
      }
      assertThat(code).as(name + " --help exit code").isZero();
      assertThat(out.toString()).as(name + " --help").contains("Usage: spark-distill " + name);
      if (!name.equals("natives")) { // natives prepares an image and reads no configuration
        assertThat(out.toString()).as(name + " --help").contains("--config").contains("--rebuild");
      }
    }
  }

  @Test
  void sparkTaskFailureTracesStayOutOfTheConsoleUnlessStacktrace() {
    org.apache.logging.log4j.Level before = org.apache.logging.log4j.Level.WARN;
    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.spark.executor.Executor", before);
    ConsoleLogging.configure(true);
    assertThat(org.apache.logging.log4j.LogManager.getLogger("org.apache.spark.executor.Executor").getLevel()).isEqualTo(before);
    ConsoleLogging.configure(false);
    assertThat(org.apache.logging.log4j.LogManager.getLogger("org.apache.spark.executor.Executor").getLevel()).isEqualTo(org.apache.logging.log4j.Level.OFF);
    assertThat(org.apache.logging.log4j.LogManager.getLogger("org.apache.spark.scheduler.TaskSetManager").getLevel()).isEqualTo(org.apache.logging.log4j.Level.ERROR);
    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.spark.executor.Executor", before);
    org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.spark.scheduler.TaskSetManager", org.apache.logging.log4j.Level.WARN);
  }
}
