package org.sparkdistill.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;

/** Creates the session a run uses, deferring to whatever spark-submit has already set. */
public final class SparkSessions {
  private SparkSessions() {}

  /**
   * The active session, or a new one from {@code settings}: the master and properties from the
   * config apply only where spark-submit (or {@code spark-defaults.conf}) left them unset.
   */
  public static SparkSession getOrCreate(DistillConfig.SparkSettings settings) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) {
      conf.setMaster(settings.master);
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(settings.appName);
    }
    for (Map.Entry<String, String> e : settings.conf.entrySet()) {
      if (!conf.contains(e.getKey())) {
        conf.set(e.getKey(), e.getValue());
      }
    }
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    ProgressListener.register(spark);
    return spark;
  }
}
