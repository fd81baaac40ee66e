package org.sparkdistill.curve;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;

/**
 * What distillation buys as labels get scarce: for each label budget (labelled texts per class)
 * and seed, the teacher, the labels-only student and the KD student (labels + the unlabelled
 * transfer split) on the same fixed test split. Seeds vary which pool texts are labelled and the
 * initialisations; test and validation stay fixed. Every cell shares one encoding of the texts
 * ({@code outputs.encode}), so a cell costs a head, a cache scoring and two students. Model
 * choices (early stopping) use the validation split only, never the test split.
 *
 * <p>Cells live in {@code <workDir>/curve/n<budget>-s<seed>} and are skipped when finished; the
 * cell equal to the configured scenario reuses the main run.
 */
public final class LearningCurve {
  private static final Logger LOG = LoggerFactory.getLogger(LearningCurve.class);

  /** Test accuracies of one cell. */
  public record Cell(int labelsPerClass, long seed, double teacher, double labelsOnly, double kd) {}

  private final SparkSession spark;
  private final DistillConfig base;
  private final boolean overwrite;

  public LearningCurve(SparkSession spark, DistillConfig base, boolean overwrite) {
    this.spark = spark;
    this.base = base;
    this.overwrite = overwrite;
  }

  /** The configuration of one cell. */
  public DistillConfig cellConfig(int labelsPerClass, long seed) {
    if (labelsPerClass == base.data.split.labelledPerClass
        && seed == base.data.split.effectiveLabelSeed()
        && seed == base.teacher.seed
        && seed == base.student.seed) {
      return base;
    }
    DistillConfig c = base.copy();
    c.workDir = new Path(new Path(base.workDir, "curve"), "n" + labelsPerClass + "-s" + seed).toString();
    c.outputs.putIfAbsent(EncodeStage.NAME, new StageContext(spark, base, overwrite).output(EncodeStage.NAME).dir().toString());
    c.data.split.labelledPerClass = labelsPerClass;
    c.data.split.labelSeed = seed;
    c.teacher.seed = seed;
    c.student.seed = seed;
    c.evaluate.speed = false;
    return c;
  }

  public List<Cell> run() {
    List<Cell> cells = new ArrayList<>();
    for (int budget : base.curve.labelsPerClass) {
      for (long seed : base.curve.seeds) {
        DistillConfig config = cellConfig(budget, seed);
        LOG.info("learning curve: {} labels per class, seed {} -> {}", budget, seed, config.workDir);
        Map<String, Object> kd = null;
        Map<String, Object> labels = null;
        for (Stage stage : Chain.full(new StageContext(spark, config, overwrite))) {
          StageResult result = stage.run();
          if (stage instanceof EvaluateStage) {
            if (StudentMode.parse(String.valueOf(result.manifest().metrics().get("studentMode"))) == StudentMode.KD) {
              kd = result.manifest().metrics();
            } else {
              labels = result.manifest().metrics();
            }
          }
        }
        cells.add(new Cell(budget, seed, accuracy(kd, "teacher"), accuracy(labels, "student"), accuracy(kd, "student")));
      }
    }
    return cells;
  }

  @SuppressWarnings("unchecked")
  private static double accuracy(Map<String, Object> metrics, String model) {
    return ((Number) ((Map<String, Object>) metrics.get(model)).get("accuracy")).doubleValue();
  }

  /** Reference figures from shared/data.md (TF-IDF + logistic regression students, 3 seeds). */
  private static final Map<Integer, double[]> STAND_IN =
      Map.of(10, new double[] {0.651, 0.528, 0.703}, 25, new double[] {0.707, 0.659, 0.752}, 50, new double[] {0.730, 0.723, 0.772});

  /** The curve as a Markdown table: mean ± std over seeds per budget, with the stand-in beside it. */
  public static String table(List<Cell> cells) {
    StringBuilder out = new StringBuilder();
    out.append("| labels/class | seeds | teacher | labels-only student | KD student | KD - labels-only | stand-in (teacher / labels-only / KD) |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---|\n");
    for (int budget : cells.stream().map(Cell::labelsPerClass).distinct().toList()) {
      List<Cell> row = cells.stream().filter(c -> c.labelsPerClass() == budget).toList();
      MeanStd teacher = MeanStd.of(row.stream().mapToDouble(Cell::teacher).toArray());
      MeanStd labels = MeanStd.of(row.stream().mapToDouble(Cell::labelsOnly).toArray());
      MeanStd kd = MeanStd.of(row.stream().mapToDouble(Cell::kd).toArray());
      double[] ref = STAND_IN.get(budget);
      out.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %s | %s | %s | %+.3f | %s |%n",
              budget,
              row.size(),
              teacher.format(),
              labels.format(),
              kd.format(),
              kd.mean() - labels.mean(),
              ref == null ? "" : String.format(Locale.ROOT, "%.3f / %.3f / %.3f", ref[0], ref[1], ref[2])));
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
