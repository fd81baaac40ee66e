package org.sparkdistill.curve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.baseline.TfidfStudentStage;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TrainStudentStage;

/**
 * What distillation buys as labels get scarce: for each label budget (labelled texts per class)
 * and seed, the teacher, the labels-only and KD n-gram students, and the labels-only and KD TF-IDF
 * baseline students ({@code baseline.*}, {@link TfidfStudentStage}), all on the same fixed test
 * split. Seeds vary which pool texts are labelled, which validation texts keep their label, and
 * the initialisations; the test split stays fixed. Every cell shares one encoding of the texts
 * ({@code outputs.encode}).
 *
 * <p>What a cell sees: {@code n} labelled train texts per class, at most {@code
 * data.split.validationPerClass} (default {@code n}) labelled validation texts per class for
 * every model choice (early stopping, the {@link SweepStage sweep}'s settings, the baseline's
 * penalty), and the unlabelled transfer split (KD only). Test labels are only read by evaluate.
 *
 * <p>With {@code sweep.enabled} (the default) each cell is first swept ({@link Sweep}, resumable)
 * and then run with its choices, cell by cell, and the {@link SweepStage} output publishes all
 * choices at the end (a finished sweep output is read instead); otherwise every cell uses the
 * configured settings and the cell equal to the configured scenario reuses the main run. Cells live in
 * {@code <workDir>/curve/n<budget>-s<seed>} and are skipped when finished.
 */
public final class LearningCurve {
  private static final Logger LOG = LoggerFactory.getLogger(LearningCurve.class);

  /**
   * Test accuracies of one cell, and the validation accuracies of the two KD students (NaN where
   * the baseline is off).
   */
  public record Cell(
      int labelsPerClass,
      long seed,
      double teacher,
      double labelsOnly,
      double kd,
      double tfidfLabelsOnly,
      double tfidfKd,
      double kdValidation,
      double tfidfKdValidation) {}

  private final SparkSession spark;
  private final DistillConfig base;
  private final boolean overwrite;

  public LearningCurve(SparkSession spark, DistillConfig base, boolean overwrite) {
    this.spark = spark;
    this.base = base;
    this.overwrite = overwrite;
  }

  /** The configuration of one cell (before the sweep's choices). */
  public DistillConfig cellConfig(int labelsPerClass, long seed) {
    if (!base.sweep.enabled
        && labelsPerClass == base.data.split.labelledPerClass
        && seed == base.data.split.effectiveLabelSeed()
        && seed == base.teacher.seed
        && seed == base.student.seed) {
      return base;
    }
    return CellConfigs.of(spark, base, overwrite, "curve", labelsPerClass, seed);
  }

  public List<Cell> run() {
    Map<String, Sweep.CellChoice> choices = new HashMap<>();
    SweepStage sweepStage = new SweepStage(new StageContext(spark, base, overwrite));
    if (base.sweep.enabled && sweepStage.output().manifest().isPresent()) {
      for (Sweep.CellChoice choice : SweepStage.choices(sweepStage.run().manifest().metrics())) {
        choices.put(choice.labelsPerClass() + "/" + choice.seed(), choice);
      }
    }
    Sweep sweep = new Sweep(spark, overwrite);
    List<Cell> cells = new ArrayList<>();
    for (int budget : base.curve.labelsPerClass) {
      for (long seed : base.curve.seeds) {
        DistillConfig config = cellConfig(budget, seed);
        Sweep.CellChoice choice = choices.get(budget + "/" + seed);
        if (base.sweep.enabled && choice == null) {
          // sweep this cell now (resumable), so each cell is finished before the next starts
          choice = sweep.cell(config, budget, seed);
        }
        DistillConfig kdConfig = choice == null ? config.withStudentMode("kd") : choice.apply(config, "kd");
        DistillConfig labelsConfig = choice == null ? config.withStudentMode("labels") : choice.apply(config, "labels");
        LOG.info("learning curve: {} labels per class, seed {} -> {}", budget, seed, config.workDir);
        List<Stage> stages = new ArrayList<>(Chain.teacher(context(kdConfig)));
        stages.addAll(Chain.student(context(kdConfig)));
        stages.addAll(Chain.student(context(labelsConfig)).subList(1, 4));
        Map<String, Object> kd = null;
        Map<String, Object> labels = null;
        double kdValidation = Double.NaN;
        for (Stage stage : stages) {
          StageResult result = stage.run();
          if (stage instanceof EvaluateStage) {
            if (StudentMode.parse(String.valueOf(result.manifest().metrics().get("studentMode"))) == StudentMode.KD) {
              kd = result.manifest().metrics();
            } else {
              labels = result.manifest().metrics();
            }
          }
          if (stage instanceof TrainStudentStage && stage.output().dir().toString().equals(new TrainStudentStage(context(kdConfig)).output().dir().toString())) {
            kdValidation = ((Number) result.manifest().metrics().get("validationAccuracy")).doubleValue();
          }
        }
        double tfidfLabels = Double.NaN;
        double tfidfKd = Double.NaN;
        double tfidfKdValidation = Double.NaN;
        if (base.baseline.enabled) {
          Map<String, Object> tk = new TfidfStudentStage(context(kdConfig)).run().manifest().metrics();
          Map<String, Object> tl = new TfidfStudentStage(context(labelsConfig)).run().manifest().metrics();
          tfidfKd = accuracy(tk, "student");
          tfidfLabels = accuracy(tl, "student");
          tfidfKdValidation = ((Number) tk.get("validationAccuracy")).doubleValue();
        }
        cells.add(
            new Cell(budget, seed, accuracy(kd, "teacher"), accuracy(labels, "student"), accuracy(kd, "student"), tfidfLabels, tfidfKd,
                kdValidation, tfidfKdValidation));
      }
    }
    if (base.sweep.enabled) {
      sweepStage.run(); // publishes the choices; every candidate is finished, so nothing retrains
    }
    return cells;
  }

  private StageContext context(DistillConfig c) {
    return new StageContext(spark, c, overwrite);
  }

  @SuppressWarnings("unchecked")
  private static double accuracy(Map<String, Object> metrics, String model) {
    return ((Number) ((Map<String, Object>) metrics.get(model)).get("accuracy")).doubleValue();
  }

  private static String cell(List<Cell> row, java.util.function.ToDoubleFunction<Cell> f) {
    double[] values = row.stream().mapToDouble(f).toArray();
    if (java.util.Arrays.stream(values).anyMatch(Double::isNaN)) {
      return "-";
    }
    return MeanStd.of(values).format();
  }

  /**
   * The curve as a Markdown table: test accuracy, mean ± std over seeds per budget, the n-gram and
   * TF-IDF students side by side, and the two KD students' validation accuracy (what model
   * selection saw).
   */
  public static String table(List<Cell> cells) {
    StringBuilder out = new StringBuilder();
    out.append("| labels/class | seeds | teacher | labels-only student | KD student | KD - labels-only | TF-IDF labels-only | TF-IDF KD |"
        + " validation: KD student / TF-IDF KD |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (int budget : cells.stream().map(Cell::labelsPerClass).distinct().sorted().toList()) {
      List<Cell> row = cells.stream().filter(c -> c.labelsPerClass() == budget).toList();
      MeanStd labels = MeanStd.of(row.stream().mapToDouble(Cell::labelsOnly).toArray());
      MeanStd kd = MeanStd.of(row.stream().mapToDouble(Cell::kd).toArray());
      out.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %s | %s | %s | %+.3f | %s | %s | %s / %s |%n",
              budget,
              row.size(),
              cell(row, Cell::teacher),
              labels.format(),
              kd.format(),
              kd.mean() - labels.mean(),
              cell(row, Cell::tfidfLabelsOnly),
              cell(row, Cell::tfidfKd),
              cell(row, Cell::kdValidation),
              cell(row, Cell::tfidfKdValidation)));
    }
    return out.toString();
  }

  /** The claims the demo checks at one budget, as readable lines. */
  public static List<String> verdict(List<Cell> cells, int budget) {
    List<Cell> row = cells.stream().filter(c -> c.labelsPerClass() == budget).toList();
    List<String> out = new ArrayList<>();
    if (row.isEmpty()) {
      return out;
    }
    MeanStd teacher = MeanStd.of(row.stream().mapToDouble(Cell::teacher).toArray());
    MeanStd labels = MeanStd.of(row.stream().mapToDouble(Cell::labelsOnly).toArray());
    MeanStd kd = MeanStd.of(row.stream().mapToDouble(Cell::kd).toArray());
    double margin = kd.mean() - labels.mean();
    double stds = (Double.isNaN(kd.std()) ? 0 : kd.std()) + (Double.isNaN(labels.std()) ? 0 : labels.std());
    out.add(String.format(Locale.ROOT, "at %d labels/class: KD - labels-only = %+.4f vs std(KD) + std(labels-only) = %.4f: %s",
        budget, margin, stds, margin > stds ? "KD wins beyond two standard deviations" : "NOT beyond two standard deviations"));
    out.add(String.format(Locale.ROOT, "at %d labels/class: KD student keeps %.1f%% of the teacher's test accuracy (%s)",
        budget, 100 * kd.mean() / teacher.mean(), kd.mean() >= 0.95 * teacher.mean() ? ">= 95%" : "below 95%"));
    return out;
  }
}
