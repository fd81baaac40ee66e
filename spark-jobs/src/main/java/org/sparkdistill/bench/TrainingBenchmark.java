package org.sparkdistill.bench;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.method.DistillationMethods;
import org.sparkdistill.method.StudentObjective;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.TrainTeacherStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageInput;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.train.DataParallelEpochs;
import org.sparkdistill.train.DriverEpochs;
import org.sparkdistill.train.EpochRunner;
import org.sparkdistill.train.StudentTrainer;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.TrainingStep;

/**
 * {@code train-benchmark}: the student of {@code train-student}, on the same targets, trained by
 * the driver's loop and by data-parallel rounds (gradient averaging) over 1, 2, 4, ... tasks, per
 * seed. Prints rows/s of training (rows stepped over the seconds spent in epochs, validation
 * excluded), each data-parallel run's efficiency per task against the 1-task run, the time per
 * round split into broadcast, compute (the round's Spark job: tasks read, featurize and step) and
 * combine (driver-side averaging and the optimizer step), and test accuracy (mean ± std over the
 * seeds) beside the driver's loop. On one machine the tasks share its cores, so rows/s cannot
 * scale past them; the split is what predicts a cluster: compute shrinks with the tasks, broadcast
 * and combine do not.
 *
 * <p>Cost: (1 + number of task counts) full trainings per seed, each with the config's epochs and
 * early stopping.
 */
public final class TrainingBenchmark {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingBenchmark.class);

  /** One training run. {@code tasks} 0: the driver's loop. Times in seconds. */
  public record Cell(int tasks, long seed, long rows, double trainSeconds, int rounds, double broadcast, double compute, double combine, int epochs, double testAccuracy) {
    public double rowsPerSecond() {
      return rows / trainSeconds;
    }
  }

  private final StageContext context;

  public TrainingBenchmark(StageContext context) {
    this.context = context;
  }

  /** Runs the chain up to {@code targets} (skipping finished stages), then every (seed, runner) cell. */
  public List<Cell> run(List<Integer> tasks, List<Long> seeds) {
    DistillConfig config = context.config();
    List<String> labels = config.data.labels;
    // The chain up to the targets (each stage skips when its output is up to date).
    for (Stage stage : List.of(new PrepareStage(context), new EncodeStage(context), new TrainTeacherStage(context), new ScoreStage(context), new TargetsStage(context))) {
      System.out.println(stage.run().summary());
    }
    StageInput targetsInput = context.graph().input(TargetsStage.NAME);
    StudentObjective objective = StudentObjective.of(config.student.mode, DistillationMethods.of(config), targetsInput.manifest().settings(), config);
    Dataset<Row> targets = TargetsStage.rows(targetsInput, labels);
    Dataset<Row> train = objective.trainingRows(targets, labels).persist();
    Dataset<Row> validation = targets.filter(functions.col(Columns.SPLIT).equalTo(Split.VALIDATION.value()).and(functions.col(Columns.LABEL).isNotNull())).persist();
    Dataset<Row> test =
        context.graph().input(PrepareStage.NAME).read(CacheSchemas.examples())
            .filter(functions.col(Columns.SPLIT).equalTo(Split.TEST.value()).and(functions.col(Columns.LABEL).isNotNull()))
            .select(Columns.ID, Columns.TEXT, Columns.LABEL);
    int batchSize = config.student.mode == StudentMode.LABELS ? config.student.labelsOnlyBatchSize : config.student.batchSize;
    List<Cell> cells = new ArrayList<>();
    try {
      for (long seed : seeds) {
        List<Integer> runners = new ArrayList<>();
        runners.add(0);
        runners.addAll(tasks);
        for (int k : runners) {
          DistillConfig.StudentSettings s = config.student;
          TimedRunner runner =
              new TimedRunner(k == 0 ? new DriverEpochs(batchSize, seed) : new DataParallelEpochs(k, 1, batchSize, seed, DataParallelEpochs.Mode.GRADIENTS, s.learningRate, s.weightDecay));
          StudentTrainer.Result result =
              StudentTrainer.builder()
                  .setStudent(TrainStudentStage.architecture(config, objective.outputs()), objective.readout())
                  .setLoss(objective.loss())
                  .optEpochs(s.epochs)
                  .optBatchSize(batchSize)
                  .optLearningRate(s.learningRate)
                  .optWeightDecay(s.weightDecay)
                  .optPatience(s.patience)
                  .optSeed(seed)
                  .optEpochRunner(runner)
                  .build()
                  .train(train, validation, StagePlan.of("train-benchmark").labels(labels));
          double accuracy;
          try (StudentModel student = result.student()) {
            accuracy = testAccuracy(student, test, labels);
          }
          Cell cell = new Cell(k, seed, runner.rows, runner.seconds, runner.rounds, runner.broadcast, runner.compute, runner.combine, result.history().size(), accuracy);
          LOG.info("train-benchmark {}", cell);
          cells.add(cell);
        }
      }
    } finally {
      train.unpersist();
      validation.unpersist();
    }
    return cells;
  }

  /** Test accuracy of {@code student}, streaming the test rows to the driver in batches of 256. */
  static double testAccuracy(StudentModel student, Dataset<Row> test, List<String> labels) {
    Iterator<Row> it = test.toLocalIterator();
    long correct = 0;
    long total = 0;
    List<String> texts = new ArrayList<>();
    List<Integer> truth = new ArrayList<>();
    while (it.hasNext()) {
      Row r = it.next();
      texts.add(r.getString(1));
      truth.add(labels.indexOf(r.getString(2)));
      if (texts.size() == 256 || !it.hasNext()) {
        float[][] p = student.probabilities(texts);
        for (int i = 0; i < p.length; i++) {
          int best = 0;
          for (int c = 1; c < p[i].length; c++) {
            if (p[i][c] > p[i][best]) {
              best = c;
            }
          }
          correct += best == truth.get(i) ? 1 : 0;
          total++;
        }
        texts.clear();
        truth.clear();
      }
    }
    if (total == 0) {
      throw new IllegalStateException("train-benchmark: the test split has no labelled rows (data.split.testFraction must be > 0)");
    }
    return (double) correct / total;
  }

  /** The markdown table of {@code cells}: one row per runner, means over the seeds. */
  public static String table(List<Cell> cells) {
    Map<Integer, List<Cell>> byTasks = new LinkedHashMap<>();
    for (Cell c : cells) {
      byTasks.computeIfAbsent(c.tasks(), k -> new ArrayList<>()).add(c);
    }
    double driverRate = mean(byTasks.getOrDefault(0, List.of()), true);
    double oneTaskRate = mean(byTasks.getOrDefault(1, List.of()), true);
    double driverAccuracy = byTasks.containsKey(0) ? MeanStd.of(byTasks.get(0).stream().mapToDouble(Cell::testAccuracy).toArray()).mean() : Double.NaN;
    StringBuilder out = new StringBuilder();
    Map<Long, Double> driverBySeed = new LinkedHashMap<>();
    for (Cell c : byTasks.getOrDefault(0, List.of())) {
      driverBySeed.put(c.seed(), c.testAccuracy());
    }
    out.append("| trainer | tasks | rows/s | vs driver | efficiency per task (vs 1 task) | rounds/epoch | ms per round: broadcast / compute / combine | test accuracy (mean ± std) | Δ vs driver (points) | paired Δ vs driver, per seed (points, mean ± std) | seeds |\n");
    out.append("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|\n");
    for (Map.Entry<Integer, List<Cell>> e : byTasks.entrySet()) {
      int k = e.getKey();
      List<Cell> cs = e.getValue();
      double rate = mean(cs, true);
      MeanStd accuracy = MeanStd.of(cs.stream().mapToDouble(Cell::testAccuracy).toArray());
      int rounds = cs.stream().mapToInt(Cell::rounds).sum();
      int epochs = cs.stream().mapToInt(Cell::epochs).sum();
      String split =
          k == 0 || rounds == 0
              ? "-"
              : String.format(
                  Locale.ROOT, "%.1f / %.1f / %.1f",
                  1000 * cs.stream().mapToDouble(Cell::broadcast).sum() / rounds,
                  1000 * cs.stream().mapToDouble(Cell::compute).sum() / rounds,
                  1000 * cs.stream().mapToDouble(Cell::combine).sum() / rounds);
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.0f | %.2fx | %s | %s | %s | %s | %+.2f | %s | %d |\n",
              k == 0 ? "driver loop" : "data-parallel (gradients)",
              k == 0 ? "-" : Integer.toString(k),
              rate,
              rate / driverRate,
              k == 0 ? "-" : String.format(Locale.ROOT, "%.2f", rate / (k * oneTaskRate)),
              k == 0 ? "-" : String.format(Locale.ROOT, "%.1f", (double) rounds / epochs),
              split,
              accuracy.n() == 1 ? String.format(Locale.ROOT, "%.4f (n=1)", accuracy.mean()) : String.format(Locale.ROOT, "%.4f ± %.4f", accuracy.mean(), accuracy.std()),
              100 * (accuracy.mean() - driverAccuracy),
              k == 0 ? "-" : pairedDelta(cs, driverBySeed),
              cs.size()));
    }
    return out.toString();
  }

  /**
   * Per seed, the run's test accuracy minus the driver loop's with the same seed (same labelled
   * rows, initial weights and test rows), in points: the test rows' sampling noise, shared by
   * both runs, cancels, so this resolves a smaller gap than the difference of the two means.
   */
  private static String pairedDelta(List<Cell> cells, Map<Long, Double> driverBySeed) {
    double[] deltas = cells.stream().filter(c -> driverBySeed.containsKey(c.seed())).mapToDouble(c -> 100 * (c.testAccuracy() - driverBySeed.get(c.seed()))).toArray();
    if (deltas.length == 0) {
      return "-";
    }
    MeanStd d = MeanStd.of(deltas);
    return d.n() == 1 ? String.format(Locale.ROOT, "%+.2f (n=1)", d.mean()) : String.format(Locale.ROOT, "%+.2f ± %.2f", d.mean(), d.std());
  }

  private static double mean(List<Cell> cells, boolean rate) {
    double rows = cells.stream().mapToDouble(Cell::rows).sum();
    double seconds = cells.stream().mapToDouble(Cell::trainSeconds).sum();
    return seconds == 0 ? Double.NaN : rows / seconds;
  }

  /** Times an epoch runner's epochs (validation excluded) and sums the data-parallel round split. */
  private static final class TimedRunner implements EpochRunner {
    private final EpochRunner inner;
    long rows;
    double seconds;
    int rounds;
    double broadcast;
    double compute;
    double combine;

    TimedRunner(EpochRunner inner) {
      this.inner = inner;
    }

    @Override
    public double run(int epoch, Dataset<Row> data, StudentModel student, ResumableAdam optimizer, TrainingStep step) {
      long t0 = System.nanoTime();
      double loss = inner.run(epoch, data, student, optimizer, step);
      seconds += (System.nanoTime() - t0) / 1e9;
      if (inner instanceof DataParallelEpochs dp) {
        DataParallelEpochs.RoundTimes t = dp.lastEpoch();
        rows += t.rows();
        rounds += t.rounds();
        broadcast += t.broadcast();
        compute += t.compute();
        combine += t.combine();
      } else {
        rows += data.count();
      }
      return loss;
    }
  }
}
