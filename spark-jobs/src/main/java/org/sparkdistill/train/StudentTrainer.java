package org.sparkdistill.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.RowArrays;
import org.sparkdistill.udfs.student.StudentBatch;
import org.sparkdistill.udfs.student.StudentConfig;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.TorchRandom;

/**
 * The driver's training loop for a student. Executors hash the texts and shuffle the rows each
 * epoch (by a seeded hash of (seed, epoch, id)); the driver streams the shuffled rows partition by
 * partition ({@code toLocalIterator}), so it holds one partition and one batch, never the cache,
 * and takes the gradient steps with DJL.
 *
 * <p>After each epoch it evaluates validation accuracy (dropout off) and writes a checkpoint:
 * weights, the optimizer's moments and the early-stopping state. A rerun of the same plan resumes
 * from it and ends with the same weights as an uninterrupted run (shuffles and dropout are seeded
 * per epoch); a checkpoint of another plan is refused, naming the difference. Training stops after
 * {@code patience} epochs without a better validation accuracy, and the best epoch's weights win.
 */
public final class StudentTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(StudentTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STATE = "state.json";
  private static final String WEIGHTS = "weights.params";
  private static final String BEST = "best.params";
  private static final String OPTIMIZER = "optimizer.bin";

  private final StudentConfig config;
  private final KdLoss loss;
  private final int epochs;
  private final int batchSize;
  private final double learningRate;
  private final double weightDecay;
  private final int patience;
  private final long seed;
  private final Path checkpointDir;
  private final Configuration hadoop;
  private final boolean resume;
  private final boolean discardForeignCheckpoint;
  private int stopAfterEpoch = Integer.MAX_VALUE;

  /** Result of a training run: the best student (caller closes it) and the run's history. */
  public record Result(StudentModel student, int bestEpoch, double bestValidationAccuracy, List<TrainingHistory> history, int resumedFromEpoch) {}

  /** Thrown by the test hook {@link #stopAfterEpoch(int)}: what a killed driver looks like. */
  public static final class Interrupted extends RuntimeException {
    Interrupted(int epoch) {
      super("training interrupted after epoch " + epoch + " (test hook)");
    }
  }

  public StudentTrainer(
      StudentConfig config,
      KdLoss loss,
      int epochs,
      int batchSize,
      double learningRate,
      double weightDecay,
      int patience,
      long seed,
      Path checkpointDir,
      Configuration hadoop,
      boolean resume,
      boolean discardForeignCheckpoint) {
    this.config = config;
    this.loss = loss;
    this.epochs = epochs;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
    this.weightDecay = weightDecay;
    this.patience = patience;
    this.seed = seed;
    this.checkpointDir = checkpointDir;
    this.hadoop = hadoop;
    this.resume = resume;
    this.discardForeignCheckpoint = discardForeignCheckpoint;
  }

  /** Simulates a crash after {@code epoch} (its checkpoint is written first). For tests. */
  public StudentTrainer stopAfterEpoch(int epoch) {
    this.stopAfterEpoch = epoch;
    return this;
  }

  /**
   * Trains on {@code train} (rows with id, text, target, weight, label) and early-stops on the
   * labelled {@code validation} rows.
   */
  public Result train(Dataset<Row> train, Dataset<Row> validation, StagePlan plan) {
    Dataset<Row> rows = FeaturizedRows.of(train, config).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> val = FeaturizedRows.of(validation, config).persist(StorageLevel.MEMORY_AND_DISK());
    TorchRandom.LOCK.lock();
    try {
      return run(rows, val, plan);
    } finally {
      TorchRandom.LOCK.unlock();
      rows.unpersist();
      val.unpersist();
    }
  }

  private Result run(Dataset<Row> rows, Dataset<Row> val, StagePlan plan) {
    CheckpointState state = resume ? readState(plan) : null;
    int resumedFrom = state == null ? 0 : state.epoch;
    if (state == null) {
      state = new CheckpointState();
      state.fingerprint = plan.fingerprint();
      state.settings = plan.settings();
      state.inputs = plan.inputs();
    }
    StudentModel student = StudentModel.create(config, seed);
    try (ResumableAdam adam = new ResumableAdam(learningRate, 0.9, 0.999, 1e-8, weightDecay)) {
      return run(student, adam, rows, val, state, resumedFrom);
    } catch (RuntimeException e) {
      student.close();
      throw e;
    }
  }

  private Result run(StudentModel student, ResumableAdam adam, Dataset<Row> rows, Dataset<Row> val, CheckpointState state, int resumedFrom) {
    if (resumedFrom > 0) {
      loadParameters(student, WEIGHTS);
      try (InputStream in = fs().open(new Path(checkpointDir, OPTIMIZER))) {
        adam.load(in, student.block(), student.model().getNDManager());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read optimizer state from " + checkpointDir, e);
      }
      LOG.info("Resuming student training after epoch {} from {}", resumedFrom, checkpointDir);
    }
    for (int epoch = state.epoch + 1; epoch <= epochs && epoch - state.bestEpoch <= patience; epoch++) {
      double trainLoss = trainEpoch(student, adam, rows, epoch);
      double accuracy = accuracy(student, val);
      state.history.add(new TrainingHistory(epoch, trainLoss, accuracy));
      if (accuracy > state.bestValidationAccuracy) {
        state.bestValidationAccuracy = accuracy;
        state.bestEpoch = epoch;
        saveParameters(student, BEST);
      }
      state.epoch = epoch;
      saveParameters(student, WEIGHTS);
      try (OutputStream out = fs().create(new Path(checkpointDir, OPTIMIZER), true)) {
        adam.save(out);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write optimizer state to " + checkpointDir, e);
      }
      writeState(state);
      LOG.info(
          String.format(
              Locale.ROOT,
              "student epoch %d/%d: train loss %.4f, validation accuracy %.4f (best %.4f at epoch %d)",
              epoch, epochs, trainLoss, accuracy, state.bestValidationAccuracy, state.bestEpoch));
      if (epoch >= stopAfterEpoch) {
        throw new Interrupted(epoch);
      }
    }
    loadParameters(student, BEST);
    return new Result(student, state.bestEpoch, state.bestValidationAccuracy, state.history, resumedFrom);
  }

  private double trainEpoch(StudentModel student, ResumableAdam adam, Dataset<Row> rows, int epoch) {
    ai.djl.pytorch.jni.JniUtils.setSeed(seed * 1_000_003L + epoch);
    Dataset<Row> shuffled =
        rows.orderBy(functions.xxhash64(functions.lit(seed), functions.lit(epoch), functions.col(Columns.ID)), functions.col(Columns.ID));
    Iterator<Row> it = shuffled.toLocalIterator();
    double total = 0;
    int batches = 0;
    List<Row> batch = new ArrayList<>(batchSize);
    ParameterStore parameters = new ParameterStore(student.model().getNDManager(), false);
    while (it.hasNext()) {
      batch.add(it.next());
      if (batch.size() == batchSize || !it.hasNext()) {
        total += step(student, adam, parameters, batch);
        batches++;
        batch.clear();
      }
    }
    return batches == 0 ? Double.NaN : total / batches;
  }

  private double step(StudentModel student, ResumableAdam adam, ParameterStore parameters, List<Row> batch) {
    int n = batch.size();
    List<int[]> ids = new ArrayList<>(n);
    float[][] targets = new float[n][];
    long[] labels = new long[n];
    float[] weights = new float[n];
    for (int i = 0; i < n; i++) {
      Row row = batch.get(i);
      ids.add(RowArrays.ints(row.getList(1)));
      targets[i] = RowArrays.floats(row.getList(2));
      labels[i] = row.getInt(3);
      weights[i] = (float) row.getDouble(4);
    }
    try (NDManager manager = student.model().getNDManager().newSubManager()) {
      NDList inputs = StudentBatch.of(ids).toNDList(manager);
      double value;
      try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray logits = student.block().forward(parameters, inputs, true).singletonOrThrow();
        NDArray l = loss.compute(logits, manager.create(targets), manager.create(labels), manager.create(weights));
        value = l.getFloat();
        collector.backward(l);
      }
      adam.step(student.block());
      if (!Double.isFinite(value)) {
        throw new IllegalStateException("student training diverged: loss " + value + " (lower student.learningRate)");
      }
      return value;
    }
  }

  /** Validation accuracy with dropout off, streaming the rows. */
  private double accuracy(StudentModel student, Dataset<Row> val) {
    Iterator<Row> it = val.toLocalIterator();
    long correct = 0;
    long total = 0;
    List<int[]> ids = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    while (it.hasNext()) {
      Row row = it.next();
      ids.add(RowArrays.ints(row.getList(1)));
      labels.add(row.getInt(3));
      if (ids.size() == 256 || !it.hasNext()) {
        float[][] logits = logitsOfIds(student, ids);
        for (int i = 0; i < logits.length; i++) {
          int best = 0;
          for (int c = 1; c < logits[i].length; c++) {
            if (logits[i][c] > logits[i][best]) {
              best = c;
            }
          }
          correct += best == labels.get(i) ? 1 : 0;
          total++;
        }
        ids.clear();
        labels.clear();
      }
    }
    if (total == 0) {
      throw new IllegalStateException("the validation split has no labelled rows: the student needs them for early stopping");
    }
    return (double) correct / total;
  }

  private static float[][] logitsOfIds(StudentModel student, List<int[]> ids) {
    try (NDManager manager = student.model().getNDManager().newSubManager()) {
      NDArray logits =
          student.block().forward(new ParameterStore(manager, false), StudentBatch.of(ids).toNDList(manager), false).singletonOrThrow();
      int classes = (int) logits.getShape().get(1);
      float[] flat = logits.toFloatArray();
      float[][] out = new float[ids.size()][classes];
      for (int i = 0; i < out.length; i++) {
        System.arraycopy(flat, i * classes, out[i], 0, classes);
      }
      return out;
    }
  }

  private CheckpointState readState(StagePlan plan) {
    Path file = new Path(checkpointDir, STATE);
    try {
      if (!fs().exists(file)) {
        return null;
      }
      CheckpointState state;
      try (InputStream in = fs().open(file)) {
        state = JSON.readValue(in, CheckpointState.class);
      }
      if (!plan.fingerprint().equals(state.fingerprint) && discardForeignCheckpoint) {
        LOG.info("Discarding the student checkpoint at {}: it belongs to another configuration (--overwrite)", checkpointDir);
        fs().delete(checkpointDir, true);
        return null;
      }
      if (!plan.fingerprint().equals(state.fingerprint)) {
        List<String> differences = new ArrayList<>(StagePlan.changes("setting ", state.settings, plan.settings()));
        differences.addAll(StagePlan.changes("input ", state.inputs, plan.inputs()));
        throw new IllegalStateException(
            "refusing to resume from the student checkpoint at "
                + checkpointDir
                + ", which was made from another configuration:\n  - "
                + String.join("\n  - ", differences)
                + "\nrerun with --overwrite to discard it, or set student.resume=false");
      }
      return state;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint state " + file, e);
    }
  }

  private void writeState(CheckpointState state) {
    Path temp = new Path(checkpointDir, STATE + ".tmp");
    try (OutputStream out = fs().create(temp, true)) {
      JSON.writeValue(out, state);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint state to " + checkpointDir, e);
    }
    try {
      fs().delete(new Path(checkpointDir, STATE), false);
      fs().rename(temp, new Path(checkpointDir, STATE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot publish checkpoint state in " + checkpointDir, e);
    }
  }

  private void saveParameters(StudentModel student, String name) {
    try (DataOutputStream out = new DataOutputStream(fs().create(new Path(checkpointDir, name), true))) {
      student.block().saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + " to " + checkpointDir, e);
    }
  }

  private void loadParameters(StudentModel student, String name) {
    try (DataInputStream in = new DataInputStream(fs().open(new Path(checkpointDir, name)))) {
      student.block().loadParameters(student.model().getNDManager(), in);
      // Loading replaces the parameter arrays; the new ones must record gradients again.
      for (var parameter : student.block().getParameters()) {
        parameter.getValue().getArray().setRequiresGradient(true);
      }
    } catch (IOException | ai.djl.MalformedModelException e) {
      throw new IllegalStateException("cannot read checkpoint " + new Path(checkpointDir, name) + ": " + e.getMessage(), e);
    }
  }

  private FileSystem fs() throws IOException {
    return checkpointDir.getFileSystem(hadoop);
  }
}
