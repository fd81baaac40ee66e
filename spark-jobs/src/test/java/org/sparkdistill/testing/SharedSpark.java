package org.sparkdistill.testing;

import org.apache.spark.sql.SparkSession;

/**
 * One local SparkSession per test JVM, created on first use and stopped at JVM exit: {@code
 * local[2]}, no UI, bound to 127.0.0.1, {@code spark.sql.shuffle.partitions=4}. Test classes share
 * it; a test that changes a runtime setting must restore it.
 */
public final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  /** The shared session, created on the first call. */
  public static synchronized SparkSession session() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("spark-distill-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.shuffle.partitions", "4")
              .getOrCreate();
      Runtime.getRuntime().addShutdownHook(new Thread(SharedSpark::stop, "shared-spark-stop"));
    }
    return session;
  }

  private static synchronized void stop() {
    if (session != null) {
      session.stop();
      session = null;
    }
  }
}
