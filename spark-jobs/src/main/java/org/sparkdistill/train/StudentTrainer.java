package org.sparkdistill.train;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.udfs.student.Readout;
import org.sparkdistill.udfs.student.StudentArchitecture;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.StudentLoss;
import org.sparkdistill.udfs.train.TrainingDivergedException;
import org.sparkdistill.udfs.train.TrainingStep;

/**
 * The driver's training loop for any student architecture and loss: featurizes the rows on the
 * executors, then per epoch runs an {@link EpochRunner} (by default {@link DriverEpochs}),
 * measures validation accuracy ({@link Validation}) and calls its listeners: {@link
 * EarlyStopping} and, when a checkpoint directory is set, a checkpoint per epoch ({@link
 * CheckpointStore}), then any added with {@link Builder#addListener}.
 *
 * <p>A rerun of the same plan resumes from the newest complete checkpoint (at an epoch's end, or
 * with data-parallel rounds every {@link Builder#optCheckpointEveryRounds} rounds) and ends with
 * the same weights as an uninterrupted run (shuffles and dropout are seeded per epoch and round);
 * a damaged checkpoint is reported on one line and the previous one is used; a checkpoint of
 * another plan is refused, naming the difference, unless it may be discarded ({@code
 * --overwrite}). Training stops after {@code patience} epochs without a better validation
 * accuracy, and the best epoch's weights win.
 */
public final class StudentTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(StudentTrainer.class);

  private final Builder b;

  /** Result of a training run: the best student (caller closes it) and the run's history. */
  public record Result(StudentModel student, int bestEpoch, double bestValidationAccuracy, List<TrainingHistory> history, int resumedFromEpoch, int resumedFromRound) {}

  /** Thrown by the test hooks: what a killed driver looks like. */
  public static final class Interrupted extends RuntimeException {
    public Interrupted(String where) {
      super("training interrupted " + where + " (test hook)");
    }
  }

  private StudentTrainer(Builder builder) {
    this.b = builder;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains on {@code train} (rows with id, text, target, weight, label) and early-stops on the
   * labelled {@code validation} rows.
   */
  public Result train(Dataset<Row> train, Dataset<Row> validation, StagePlan plan) {
    List<String> classes = b.readout.classes();
    Dataset<Row> rows = FeaturizedRows.of(train, b.architecture.featurizer(), classes).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> val = FeaturizedRows.of(validation, b.architecture.featurizer(), classes).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return run(rows, val, plan);
    } finally {
      rows.unpersist();
      val.unpersist();
    }
  }

  private Result run(Dataset<Row> rows, Dataset<Row> val, StagePlan plan) {
    StudentModel student = StudentModel.create(b.architecture, b.readout, b.seed, b.device);
    try (ResumableAdam adam = new ResumableAdam(b.learningRate, 0.9, 0.999, 1e-8, b.weightDecay)) {
      StudentArchitecture architecture = b.architecture;
      double base = b.learningRate;
      adam.withLearningRates((parameter, step) -> architecture.learningRate(parameter, base, step));
      List<TrainingListener> listeners = new ArrayList<>();
      listeners.add(new EarlyStopping(b.patience));
      Optional<CheckpointStore> store = Optional.ofNullable(b.checkpointDir).map(dir -> new CheckpointStore(dir, b.hadoop).faultHook(b.faultHook));
      store.ifPresent(
          s ->
              listeners.add(
                  new TrainingListener() {
                    @Override
                    public void onEpochEnd(TrainingState state, StudentModel model, ResumableAdam optimizer) {
                      s.write(state, model, optimizer);
                    }
                  }));
      listeners.addAll(b.listeners);
      TrainingState state = store.flatMap(s -> resume(s, plan, student, adam)).orElse(null);
      int resumedFrom = state == null ? 0 : state.epoch;
      int resumedFromRound = state == null ? 0 : state.round;
      if (state != null && state.round > 0) {
        LOG.info("Resuming student training in epoch {} after round {} from {}", state.epoch + 1, state.round, b.checkpointDir);
      }
      if (state == null) {
        state = new TrainingState();
        state.fingerprint = plan.fingerprint();
        state.settings = plan.settings();
        state.inputs = plan.inputs();
      } else {
        LOG.info("Resuming student training after epoch {} from {}", resumedFrom, b.checkpointDir);
      }
      TrainingStep step = new TrainingStep(b.loss);
      for (TrainingListener l : listeners) {
        l.onTrainingBegin(state, student, adam);
      }
      TrainingState current = state;
      EpochRunner.RoundListener afterRound =
          (epoch, progress, rounds) -> {
            if (store.isPresent() && b.checkpointEveryRounds > 0 && progress.round() % b.checkpointEveryRounds == 0 && progress.round() < rounds) {
              current.progress(progress);
              store.get().write(current, student, adam);
            }
          };
      while (state.epoch < b.epochs && !state.stopRequested) {
        int epoch = state.epoch + 1;
        double trainLoss = b.runner.run(epoch, rows, student, adam, step, state.progress(), afterRound);
        double accuracy = Validation.accuracy(student, val);
        state.progress(EpochProgress.START);
        state.epoch = epoch;
        state.history.add(new TrainingHistory(epoch, trainLoss, accuracy));
        for (TrainingListener l : listeners) {
          l.onEpochEnd(state, student, adam);
        }
        LOG.info(
            String.format(
                Locale.ROOT,
                "student epoch %d/%d: train loss %.4f, validation accuracy %.4f (best %.4f at epoch %d)",
                epoch, b.epochs, trainLoss, accuracy, state.bestValidationAccuracy, state.bestEpoch));
      }
      for (TrainingListener l : listeners) {
        l.onTrainingEnd(state, student, adam);
      }
      CheckpointStore.loadBest(state, student);
      return new Result(student, state.bestEpoch, state.bestValidationAccuracy, state.history, resumedFrom, resumedFromRound);
    } catch (TrainingDivergedException e) {
      student.close();
      throw e.keeping(keptAfterDivergence());
    } catch (RuntimeException e) {
      student.close();
      throw e;
    }
  }

  /** What a diverged run leaves: the newest complete checkpoint, written before the failing step. */
  private String keptAfterDivergence() {
    if (b.checkpointDir == null) {
      return "nothing was published (no checkpoints)";
    }
    Optional<CheckpointStore.Commit> newest =
        new CheckpointStore(b.checkpointDir, b.hadoop).newestFirst().stream().map(CheckpointStore.Entry::commit).filter(Objects::nonNull).findFirst();
    return newest
        .map(c -> "nothing was published; the newest checkpoint, " + c.directory() + " (after epoch " + c.state().epoch + (c.state().round > 0 ? ", round " + c.state().round + " of epoch " + (c.state().epoch + 1) : "") + "), was written before it and is kept")
        .orElse("nothing was published; no checkpoint had been written yet under " + b.checkpointDir);
  }

  private Optional<TrainingState> resume(CheckpointStore store, StagePlan plan, StudentModel student, ResumableAdam adam) {
    if (!b.resume) {
      return Optional.empty();
    }
    List<CheckpointStore.Entry> entries = store.newestFirst();
    if (entries.isEmpty()) {
      return Optional.empty();
    }
    Optional<CheckpointStore.Entry> readable = entries.stream().filter(e -> e.commit() != null).findFirst();
    if (readable.isEmpty()) {
      return discardOrRefuse(store, entries, List.of());
    }
    TrainingState saved = readable.get().commit().state();
    if (!plan.fingerprint().equals(saved.fingerprint)) {
      if (b.discardForeignCheckpoint) {
        LOG.info("Discarding the student checkpoint at {}: it belongs to another configuration (--overwrite)", store.dir());
        store.deleteAll();
        return Optional.empty();
      }
      List<String> differences = new ArrayList<>(StagePlan.changes("setting ", saved.settings, plan.settings()));
      differences.addAll(StagePlan.changes("input ", saved.inputs, plan.inputs()));
      throw new IllegalStateException(
          "refusing to resume from the student checkpoint at "
              + store.dir()
              + ", which was made from another configuration:\n  - "
              + String.join("\n  - ", differences)
              + "\nrerun with --overwrite to discard it, or set student.resume=false");
    }
    // Newest first: a damaged checkpoint is reported on one line and the previous one is used.
    List<String> damage = new ArrayList<>();
    for (CheckpointStore.Entry entry : entries) {
      if (entry.commit() == null) {
        damage.add(entry.damage());
        LOG.warn("{}; trying the previous checkpoint", entry.damage());
        continue;
      }
      if (!plan.fingerprint().equals(entry.commit().state().fingerprint)) {
        damage.add("commit " + entry.number() + " belongs to another configuration");
        continue;
      }
      try {
        TrainingState restored = store.restore(entry.commit(), student, adam);
        if (!damage.isEmpty()) {
          LOG.warn("Resuming from the previous checkpoint {} (epoch {}, round {}): {}", entry.commit().directory(), restored.epoch, restored.round, String.join("; ", damage));
        }
        return Optional.of(restored);
      } catch (CheckpointStore.DamagedCheckpointException e) {
        damage.add(e.getMessage());
        LOG.warn("{}; trying the previous checkpoint", e.getMessage());
      }
    }
    return discardOrRefuse(store, entries, damage);
  }

  /** No checkpoint is usable: --overwrite discards them all; otherwise stop before writing anything. */
  private Optional<TrainingState> discardOrRefuse(CheckpointStore store, List<CheckpointStore.Entry> entries, List<String> damage) {
    if (b.discardForeignCheckpoint) {
      LOG.warn("Discarding the student checkpoints at {}, none is usable (--overwrite): {}", store.dir(), refusal(store, entries, damage));
      store.deleteAll();
      return Optional.empty();
    }
    throw new IllegalStateException(refusal(store, entries, damage));
  }

  private static String refusal(CheckpointStore store, List<CheckpointStore.Entry> entries, List<String> damage) {
    List<String> reasons = damage.isEmpty() ? entries.stream().map(CheckpointStore.Entry::damage).toList() : damage;
    return "no usable student checkpoint under " + store.dir() + " (" + String.join("; ", reasons)
        + "); nothing was overwritten: rerun with --overwrite to discard the checkpoints and train from scratch";
  }

  /** Options of a training run: required ones are {@code set*}, optional ones {@code opt*}. */
  public static final class Builder {
    private StudentArchitecture architecture;
    private Readout readout;
    private StudentLoss loss;
    private int epochs = 40;
    private int batchSize = 128;
    private double learningRate = 0.01;
    private double weightDecay = 0;
    private int patience = 5;
    private long seed = 1;
    private Device device = Device.cpu();
    private Path checkpointDir;
    private Configuration hadoop;
    private boolean resume = true;
    private boolean discardForeignCheckpoint;
    private EpochRunner runner;
    private int checkpointEveryRounds;
    private CheckpointStore.FaultHook faultHook = (epoch, file) -> {};
    private final List<TrainingListener> listeners = new ArrayList<>();

    /** The student to train and how its outputs become classes (default: one output per class). */
    public Builder setStudent(StudentArchitecture architecture, Readout readout) {
      this.architecture = Objects.requireNonNull(architecture, "architecture");
      this.readout = readout == null ? Readout.identity(architecture.outputs()) : readout;
      return this;
    }

    public Builder setLoss(StudentLoss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder optBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder optLearningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    public Builder optPatience(int patience) {
      this.patience = patience;
      return this;
    }

    /** Seeds the initial weights, the per-epoch shuffles and dropout. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optDevice(Device device) {
      this.device = device;
      return this;
    }

    /** Checkpoint every epoch under {@code dir} (any Hadoop filesystem); without it, no checkpoints. */
    public Builder optCheckpoints(Path dir, Configuration hadoop, boolean resume, boolean discardForeignCheckpoint) {
      this.checkpointDir = dir;
      this.hadoop = hadoop;
      this.resume = resume;
      this.discardForeignCheckpoint = discardForeignCheckpoint;
      return this;
    }

    /**
     * Also checkpoint every {@code rounds} rounds inside an epoch (runners with rounds: data-parallel),
     * so a killed driver loses at most that many rounds; 0: at epoch ends only. Cost per
     * checkpoint: see {@link CheckpointStore}.
     */
    public Builder optCheckpointEveryRounds(int rounds) {
      if (rounds < 0) {
        throw new IllegalArgumentException("checkpointEveryRounds must be >= 0, got: " + rounds);
      }
      this.checkpointEveryRounds = rounds;
      return this;
    }

    /** How epochs are run (default {@link DriverEpochs} with this builder's batch size and seed). */
    public Builder optEpochRunner(EpochRunner runner) {
      this.runner = runner;
      return this;
    }

    public Builder addListener(TrainingListener listener) {
      listeners.add(listener);
      return this;
    }

    /** Test hook: stop after {@code epoch}, once its checkpoint is written. */
    public Builder optStopAfterEpoch(int epoch) {
      return addListener(
          new TrainingListener() {
            @Override
            public void onEpochEnd(TrainingState state, StudentModel student, ResumableAdam optimizer) {
              if (state.epoch >= epoch) {
                throw new Interrupted("after epoch " + state.epoch);
              }
            }
          });
    }

    /** Test hook: stop at {@code epoch}'s checkpoint just before {@code file} is written. */
    public Builder optCrashBeforeCheckpointFile(int epoch, String file) {
      this.faultHook =
          (e, f) -> {
            if (e == epoch && f.equals(file)) {
              throw new Interrupted("at epoch " + e + "'s checkpoint before " + f);
            }
          };
      return this;
    }

    public StudentTrainer build() {
      Objects.requireNonNull(architecture, "setStudent(...) is required");
      Objects.requireNonNull(loss, "setLoss(...) is required");
      if (readout.outputs() != architecture.outputs().size()) {
        throw new IllegalArgumentException("the readout maps " + readout.outputs() + " outputs, the student has " + architecture.outputs().size());
      }
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, got: " + epochs);
      }
      if (runner == null) {
        runner = new DriverEpochs(batchSize, seed);
      }
      return new StudentTrainer(this);
    }
  }
}
