package org.sparkdistill.train;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.student.StudentArchitecture;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.Gradients;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.TorchRandom;
import org.sparkdistill.udfs.train.TrainingBatch;
import org.sparkdistill.udfs.train.TrainingDivergedException;
import org.sparkdistill.udfs.train.TrainingStep;

/**
 * Data-parallel epochs coordinated by the driver: the rows are split into {@code partitions} by
 * a hash of their id and shuffled within each partition per epoch (seeded by (seed, epoch, id));
 * each round the driver broadcasts the current weights, every task runs the same {@link
 * TrainingStep} on its partition's next rows on its executor, and the driver combines the
 * results in partition-index order, weighted by rows:
 *
 * <ul>
 *   <li>{@link Mode#GRADIENTS} (synchronous gradient averaging, one step per round): tasks return
 *       gradients; the driver averages them and takes one step of its own Adam, whose moments
 *       live on the driver only. With one partition and dropout off this is the driver's loop
 *       exactly (same rows, same order, same updates).
 *   <li>{@link Mode#MODEL_AVERAGING} (local SGD): each task takes {@code localSteps} steps with a
 *       fresh local Adam (its moments restart every round and never leave the task) and returns
 *       its weights; the driver's weights become their row-weighted mean. Fewer rounds, less
 *       traffic, noisier updates; the driver's optimizer is not used.
 * </ul>
 *
 * Dropout is reseeded per (seed, epoch, round, partition, step), and results are combined in a
 * fixed order, so a retried task or round, or a second run, gives bit-identical weights. A task
 * holds {@link TorchRandom#LOCK} from loading the broadcast weights to returning its result: with
 * only the step locked, a second task loading its copy of the weights in the same JVM while the
 * first drew its dropout masks changed those masks (2 of 7 repeated two-partition runs in local
 * mode differed from the others; 0 of 16 with the load locked too). The rare divergences left
 * after that were scalars that autograd saved in Java buffers a garbage collection freed before
 * the backward pass, fixed by {@link org.sparkdistill.udfs.train.TorchScalars}. Tasks in one JVM
 * therefore train one at a time, and DJL 0.32 lets only one gradient collector record per JVM
 * anyway: give training stages one task per executor JVM
 * ({@code spark.task.cpus} = executor cores). Rows stream from the persisted, partitioned Parquet
 * handoff; neither a task nor the driver holds more than a batch of rows. Traffic per round: the weights broadcast once, and per task its gradients or weights
 * back (4 bytes per parameter each).
 */
public final class DataParallelEpochs implements EpochRunner {
  private static final Logger LOG = LoggerFactory.getLogger(DataParallelEpochs.class);
  /** Start of every round job's Spark description ({@code "data-parallel round epoch e round r/n"}). */
  public static final String JOB_DESCRIPTION = "data-parallel round";

  /** How the tasks' work is combined. */
  public enum Mode {
    GRADIENTS,
    MODEL_AVERAGING
  }

  private final int partitions;
  private final int localSteps;
  private final int batchSize;
  private final int taskBatch;
  private final long seed;
  private final Mode mode;
  private final double learningRate;
  private final double weightDecay;
  private RoundTimes lastEpoch = new RoundTimes(0, 0, 0, 0, 0);

  /** Where an epoch's time went, summed over its rounds (seconds). */
  public record RoundTimes(int rounds, double broadcast, double compute, double combine, long rows) {}

  /**
   * @param batchSize the global batch: rows per step summed over the tasks, so each task's batch
   *     is {@code ceil(batchSize / partitions)} and an epoch takes as many steps as the driver's
   *     loop at the same setting (with per-task batches of {@code batchSize}, k tasks took k times
   *     fewer, larger steps and fell 22 points behind at 4 tasks in 10 epochs: README "Distributed
   *     training")
   */
  public DataParallelEpochs(int partitions, int localSteps, int batchSize, long seed, Mode mode, double learningRate, double weightDecay) {
    if (partitions < 1 || localSteps < 1 || batchSize < 1) {
      throw new IllegalArgumentException(
          String.format(Locale.ROOT, "data-parallel training needs partitions, localSteps and batchSize >= 1, got %d, %d, %d", partitions, localSteps, batchSize));
    }
    if (mode == Mode.GRADIENTS && localSteps != 1) {
      throw new IllegalArgumentException("gradient averaging takes one step per round (student.localSteps=1), got localSteps=" + localSteps + "; use model averaging for several");
    }
    this.partitions = partitions;
    this.localSteps = localSteps;
    this.batchSize = batchSize;
    this.taskBatch = (batchSize + partitions - 1) / partitions;
    this.seed = seed;
    this.mode = mode;
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
  }

  /** The time split of the last epoch run. */
  public RoundTimes lastEpoch() {
    return lastEpoch;
  }

  @Override
  public double run(int epoch, Dataset<Row> rows, StudentModel student, ResumableAdam optimizer, TrainingStep step) {
    return run(epoch, rows, student, optimizer, step, EpochProgress.START, (e, p, n) -> {});
  }

  /**
   * One epoch of rounds, starting after {@code from.round()} rounds (a mid-epoch checkpoint: the
   * shuffle is seeded per epoch, so round r reads the same rows in every run) and calling {@code
   * afterRound} once each round's result is applied.
   */
  @Override
  public double run(int epoch, Dataset<Row> rows, StudentModel student, ResumableAdam optimizer, TrainingStep step, EpochProgress from, RoundListener afterRound) {
    Dataset<Row> parts =
        rows.repartition(partitions, functions.col(Columns.ID))
            .sortWithinPartitions(functions.xxhash64(functions.lit(seed), functions.lit(epoch), functions.col(Columns.ID)), functions.col(Columns.ID))
            .persist(StorageLevel.MEMORY_AND_DISK());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(parts.sparkSession().sparkContext());
    try {
      JavaRDD<Row> rdd = parts.javaRDD();
      long maxRows = rdd.mapPartitions(it -> { long n = 0; while (it.hasNext()) { it.next(); n++; } return List.of(n).iterator(); }).collect().stream().mapToLong(Long::longValue).max().orElse(0);
      long steps = (maxRows + taskBatch - 1) / taskBatch;
      int rounds = (int) ((steps + localSteps - 1) / localSteps);
      if (from.round() > rounds) {
        throw new IllegalStateException(
            String.format(Locale.ROOT, "the checkpoint is after round %d of epoch %d, which has only %d rounds: it was written for other rows or settings (rerun with --overwrite)", from.round(), epoch, rounds));
      }
      double loss = from.lossSum();
      long lossRows = from.lossSteps();
      double broadcastSeconds = 0;
      double computeSeconds = 0;
      double combineSeconds = 0;
      long trained = from.rows();
      for (int round = from.round(); round < rounds; round++) {
        long t0 = System.nanoTime();
        Broadcast<byte[]> weights = jsc.broadcast(parameters(student));
        Task task = new Task(student.architecture(), student.readout(), step, weights, epoch, round, localSteps, taskBatch, seed, mode, learningRate, weightDecay);
        long t1 = System.nanoTime();
        jsc.setJobDescription(String.format(Locale.ROOT, "%s epoch %d round %d/%d", JOB_DESCRIPTION, epoch, round + 1, rounds));
        List<TaskResult> results;
        try {
          results = new ArrayList<>(rdd.mapPartitionsWithIndex(task, false).collect());
        } catch (Exception e) { // a SparkException (checked, thrown undeclared by Scala) carries a task's failure
          weights.destroy();
          TrainingDivergedException diverged = TrainingDivergedException.in(e);
          if (diverged != null) {
            throw diverged;
          }
          throw e;
        }
        long t2 = System.nanoTime();
        results.sort(Comparator.comparingInt(TaskResult::partition));
        long roundRows = results.stream().mapToLong(TaskResult::rows).sum();
        if (roundRows > 0) {
          if (mode == Mode.GRADIENTS) {
            optimizer.apply(student.block(), averageGradients(results, roundRows));
          } else {
            load(student, averageWeights(results, roundRows));
          }
          for (TaskResult r : results) {
            loss += r.lossSum();
            lossRows += r.steps();
          }
        }
        trained += roundRows;
        weights.destroy();
        long t3 = System.nanoTime();
        broadcastSeconds += (t1 - t0) / 1e9;
        computeSeconds += (t2 - t1) / 1e9;
        combineSeconds += (t3 - t2) / 1e9;
        afterRound.afterRound(epoch, new EpochProgress(round + 1, loss, lossRows, trained), rounds);
      }
      lastEpoch = new RoundTimes(rounds - from.round(), broadcastSeconds, computeSeconds, combineSeconds, trained);
      LOG.info(
          String.format(
              Locale.ROOT,
              "data-parallel epoch %d: %d rounds over %d partitions (%s), %d rows; broadcast %.2f s, compute %.2f s, combine %.2f s",
              epoch, rounds, partitions, mode, trained, broadcastSeconds, computeSeconds, combineSeconds));
      return lossRows == 0 ? Double.NaN : loss / lossRows;
    } finally {
      jsc.setJobDescription(null);
      parts.unpersist();
    }
  }

  /** Row-weighted mean of the tasks' gradients, summed in partition order. */
  static Gradients averageGradients(List<TaskResult> results, long total) {
    Gradients sum = null;
    for (TaskResult r : results) {
      if (r.rows() == 0) {
        continue;
      }
      float weight = (float) ((double) r.rows() / total);
      sum = sum == null ? r.gradients().times(weight) : sum.plus(r.gradients(), weight);
    }
    return new Gradients(new LinkedHashMap<>(sum.values()), total);
  }

  /** Row-weighted mean of the tasks' weights (as {@link Gradients}-shaped arrays), in partition order. */
  static Gradients averageWeights(List<TaskResult> results, long total) {
    return averageGradients(results, total);
  }

  private static byte[] parameters(StudentModel student) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      student.saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Sets every trainable parameter of {@code student} to {@code values}. */
  private static void load(StudentModel student, Gradients values) {
    boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
    ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    try {
      for (var p : student.block().getParameters()) {
        float[] v = values.values().get(p.getKey());
        if (v != null) {
          p.getValue().getArray().set(v);
        }
      }
    } finally {
      ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
    }
  }

  /** What one task sends back: gradients or weights by parameter name, rows, summed batch losses. */
  record TaskResult(int partition, long rows, long steps, double lossSum, Gradients gradients) implements Serializable {}

  /** One round on one partition, run on an executor. */
  private static final class Task implements Function2<Integer, Iterator<Row>, Iterator<TaskResult>> {
    private static final long serialVersionUID = 1L;
    private final StudentArchitecture architecture;
    private final Readout readout;
    private final TrainingStep step;
    private final Broadcast<byte[]> weights;
    private final int epoch;
    private final int round;
    private final int localSteps;
    private final int batchSize;
    private final long seed;
    private final Mode mode;
    private final double learningRate;
    private final double weightDecay;

    Task(StudentArchitecture architecture, Readout readout, TrainingStep step, Broadcast<byte[]> weights, int epoch, int round, int localSteps, int batchSize, long seed, Mode mode, double learningRate, double weightDecay) {
      this.architecture = architecture;
      this.readout = readout;
      this.step = step;
      this.weights = weights;
      this.epoch = epoch;
      this.round = round;
      this.localSteps = localSteps;
      this.batchSize = batchSize;
      this.seed = seed;
      this.mode = mode;
      this.learningRate = learningRate;
      this.weightDecay = weightDecay;
    }

    @Override
    public Iterator<TaskResult> call(Integer partition, Iterator<Row> rows) throws IOException {
      // The whole task, not only the step: see the class comment on determinism.
      TorchRandom.LOCK.lock();
      try {
        return train(partition, rows);
      } finally {
        TorchRandom.LOCK.unlock();
      }
    }

    private Iterator<TaskResult> train(int partition, Iterator<Row> rows) throws IOException {
      long skip = (long) round * localSteps * batchSize;
      for (long i = 0; i < skip && rows.hasNext(); i++) {
        rows.next();
      }
      if (!rows.hasNext()) {
        return List.of(new TaskResult(partition, 0, 0, 0, null)).iterator();
      }
      try (StudentModel student = StudentModel.fromParameters(architecture, readout, weights.value(), ai.djl.Device.cpu());
          ResumableAdam local = new ResumableAdam(learningRate, 0.9, 0.999, 1e-8, weightDecay)) {
        local.withLearningRates((parameter, step) -> architecture.learningRate(parameter, learningRate, step));
        long n = 0;
        int taken = 0;
        double lossSum = 0;
        Gradients gradients = null;
        while (taken < localSteps && rows.hasNext()) {
          List<Row> batch = new ArrayList<>(batchSize);
          while (batch.size() < batchSize && rows.hasNext()) {
            batch.add(rows.next());
          }
          long dropoutSeed = ((seed * 1_000_003L + epoch) * 1_000_003L + round) * 1_000_003L + (long) partition * 1_009L + taken;
          TrainingStep.Result result;
          try {
            result = step.run(student, DriverEpochs.toBatch(batch), dropoutSeed);
          } catch (TrainingDivergedException e) {
            throw e.at(String.format(Locale.ROOT, "epoch %d, round %d, partition %d, local step %d (first row id %s)", epoch, round + 1, partition, taken + 1, batch.get(0).getString(0)));
          }
          lossSum += result.loss();
          n += batch.size();
          taken++;
          if (mode == Mode.GRADIENTS) {
            gradients = result.gradients();
          } else {
            local.apply(student.block(), result.gradients());
          }
        }
        if (mode == Mode.MODEL_AVERAGING) {
          LinkedHashMap<String, float[]> values = new LinkedHashMap<>();
          for (var p : student.block().getParameters()) {
            if (p.getValue().requiresGradient()) {
              values.put(p.getKey(), p.getValue().getArray().toFloatArray());
            }
          }
          gradients = new Gradients(values, n);
        }
        return List.of(new TaskResult(partition, n, taken, lossSum, gradients)).iterator();
      }
    }
  }
}
