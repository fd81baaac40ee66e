package org.sparkdistill.spark;

import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.sparkdistill.udfs.model.DeviceSelector;

/**
 * The devices a stage's model tasks ran on, for its manifest ({@code metrics.devices}): a Spark
 * accumulator that each task adds its device to, chosen the way the task's model chooses it
 * ({@link DeviceSelector#forCurrentTask}: the GPU Spark assigned the task, else the CPU). Only
 * tasks that succeed count (Spark merges a task's accumulator updates when it finishes), and a
 * device recorded twice (a retried or recomputed task) is listed once.
 */
public final class TaskDevices implements Serializable {
  private static final long serialVersionUID = 1L;

  private final CollectionAccumulator<String> seen;
  private final DeviceSelector.Preference preference;

  private TaskDevices(CollectionAccumulator<String> seen, DeviceSelector.Preference preference) {
    this.seen = seen;
    this.preference = preference;
  }

  /** A new accumulator on the driver, named after {@code stage} in the Spark UI. */
  public static TaskDevices register(SparkSession spark, String stage, DeviceSelector.Preference preference) {
    return new TaskDevices(spark.sparkContext().collectionAccumulator(stage + ": model devices"), preference);
  }

  /** {@code fn}, recording its task's device first (only for a partition with rows: an empty one loads no model). */
  public MapPartitionsFunction<Row, Row> recording(MapPartitionsFunction<Row, Row> fn) {
    CollectionAccumulator<String> sink = seen;
    DeviceSelector.Preference p = preference;
    return (MapPartitionsFunction<Row, Row>)
        (Iterator<Row> rows) -> {
          if (rows.hasNext()) {
            sink.add(DeviceSelector.forCurrentTask(p).toString());
          }
          return fn.call(rows);
        };
  }

  /** The distinct devices recorded so far, sorted (e.g. {@code [cpu()]} or {@code [gpu(0), gpu(1)]}); read on the driver after the stage's action. */
  public List<String> seen() {
    return List.copyOf(new TreeSet<>(seen.value()));
  }
}
