package org.sparkdistill.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Spark's task-failure stack traces out of the console unless {@code --stacktrace}: a task
 * that throws is logged by the executor (ERROR, full trace) and by the task set manager (WARN
 * "Lost task", full trace again) before the driver rethrows it, which buried the one-line cause
 * under 100 to 350 lines. The CLI's error handler prints that cause; {@code --stacktrace} brings
 * every trace back. Works with Spark's log4j2 backend; with another backend it changes nothing.
 */
final class ConsoleLogging {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogging.class);

  /** Loggers that repeat a failing task's trace, and the level that keeps their one-line messages. */
  private static final String[][] REPEATERS = {
    {"org.apache.spark.executor.Executor", "OFF"},
    {"org.apache.spark.scheduler.TaskSetManager", "ERROR"},
    {"org.apache.spark.scheduler.TaskSchedulerImpl", "ERROR"},
    {"org.apache.spark.util.Utils", "OFF"},
    {"org.apache.spark.sql.execution.datasources.FileFormatWriter", "OFF"},
  };

  private ConsoleLogging() {}

  static void configure(boolean stacktrace) {
    if (stacktrace) {
      return;
    }
    try {
      for (String[] r : REPEATERS) {
        org.apache.logging.log4j.core.config.Configurator.setLevel(r[0], org.apache.logging.log4j.Level.valueOf(r[1]));
      }
    } catch (NoClassDefFoundError | RuntimeException e) {
      LOG.debug("logging backend is not log4j2; task failure traces stay as configured", e);
    }
  }
}
