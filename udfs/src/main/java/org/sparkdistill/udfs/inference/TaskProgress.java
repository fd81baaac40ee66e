package org.sparkdistill.udfs.inference;

import java.util.Locale;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs a task's progress through its partition at most every few seconds, in the executor log. */
final class TaskProgress {
  private static final Logger LOG = LoggerFactory.getLogger(TaskProgress.class);
  private static final long INTERVAL_NANOS = 10_000_000_000L;

  private final String what;
  private final long start = System.nanoTime();
  private long lastLog = start;
  private long rows;

  TaskProgress(String what) {
    this.what = what;
  }

  void add(int batchRows) {
    rows += batchRows;
    long now = System.nanoTime();
    if (now - lastLog >= INTERVAL_NANOS) {
      lastLog = now;
      LOG.info(summary(now));
    }
  }

  /**
   * Runs {@code cleanup} and logs the final figures when the current task ends (no-op outside a
   * task, e.g. in a plain loop).
   */
  void finishWithTask(Runnable cleanup) {
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener)
              context -> {
                cleanup.run();
                finish();
              });
    }
  }

  void finish() {
    LOG.info(summary(System.nanoTime()));
  }

  private String summary(long now) {
    TaskContext task = TaskContext.get();
    double seconds = Math.max((now - start) / 1e9, 1e-9);
    return String.format(
        Locale.ROOT,
        "%s partition %d: %d rows in %.1f s (%.1f rows/s)",
        what,
        task == null ? -1 : task.partitionId(),
        rows,
        seconds,
        rows / seconds);
  }
}
