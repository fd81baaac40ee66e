package org.sparkdistill.cli;

import org.apache.spark.sql.SparkSession;
import scala.Option;

/** Stops the session a run created, and tells whether spark-submit launched this JVM. */
final class SparkStop {
  private SparkStop() {}

  /** Stops the default and the active session, if any (idempotent). */
  static void stopAll() {
    stop(SparkSession.getActiveSession());
    stop(SparkSession.getDefaultSession());
  }

  private static void stop(Option<SparkSession> session) {
    if (session.isDefined()) {
      session.get().stop();
    }
  }

  /**
   * True under spark-submit: it sets {@code spark.submit.deployMode} as a system property in the
   * client JVM, the YARN ApplicationMaster and the standalone / Kubernetes driver.
   */
  static boolean underSparkSubmit() {
    return System.getProperty("spark.submit.deployMode") != null;
  }
}
