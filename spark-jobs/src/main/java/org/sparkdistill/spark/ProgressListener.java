package org.sparkdistill.spark;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the progress of long Spark stages on the driver: finished tasks out of all, at most every
 * ten seconds per stage, so a first run on a laptop shows it is alive.
 */
public final class ProgressListener extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);
  private static final long INTERVAL_MS = 10_000;
  private static final Map<SparkSession, Boolean> REGISTERED = new ConcurrentHashMap<>();

  private final Map<Integer, Progress> stages = new ConcurrentHashMap<>();

  private static final class Progress {
    final String name;
    final int tasks;
    final long start = System.currentTimeMillis();
    final AtomicInteger done = new AtomicInteger();
    volatile long lastLog = start;

    Progress(String name, int tasks) {
      this.name = name;
      this.tasks = tasks;
    }
  }

  static void register(SparkSession spark) {
    if (REGISTERED.putIfAbsent(spark, Boolean.TRUE) == null) {
      spark.sparkContext().addSparkListener(new ProgressListener());
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted event) {
    StageInfo info = event.stageInfo();
    String description = event.properties() == null ? null : event.properties().getProperty("spark.job.description");
    stages.put(info.stageId(), new Progress(description == null ? info.name() : description, info.numTasks()));
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd event) {
    Progress p = stages.get(event.stageId());
    if (p == null) {
      return;
    }
    int done = p.done.incrementAndGet();
    long now = System.currentTimeMillis();
    if (now - p.lastLog >= INTERVAL_MS) {
      p.lastLog = now;
      LOG.info(
          String.format(
              Locale.ROOT,
              "%s: %d/%d tasks done after %.0f s",
              p.name,
              done,
              p.tasks,
              (now - p.start) / 1000.0));
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted event) {
    stages.remove(event.stageInfo().stageId());
  }
}
