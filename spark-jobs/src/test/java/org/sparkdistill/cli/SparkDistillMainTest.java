package org.sparkdistill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code main} under spark-submit: returns normally on success, and after stopping Spark throws
 * on failure (never System.exit), so the cluster manager sees the status. Own fork: it stops
 * every session in its JVM.
 */
@Tag("multi-jvm")
class SparkDistillMainTest {
  @Test
  void mainStopsSparkAndThrowsTheFailureUnderSparkSubmit() {
    System.setProperty("spark.submit.deployMode", "cluster");
    try {
      SparkSession spark =
          SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
      // A usage error: exit code 2, thrown after the session is stopped.
      assertThatThrownBy(() -> SparkDistill.main(new String[] {"encode", "--no-such-flag"}))
          .isInstanceOf(CliFailedException.class)
          .hasMessageContaining("exit code 2")
          .satisfies(e -> assertThat(((CliFailedException) e).exitCode()).isEqualTo(2));
      assertThat(spark.sparkContext().isStopped()).isTrue();

      // Success returns normally (no exit).
      SparkDistill.main(new String[] {"--version"});
    } finally {
      System.clearProperty("spark.submit.deployMode");
    }
  }
}
