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
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.PrepareStage;
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
 *
 * <p><b>Teacher kinds</b> ({@code curve.teacherKinds}, e.g. {@code [head, finetune]}): the same
 * cells with each kind of teacher, so frozen and fine-tuned teachers and the KD students distilled
 * from each are compared on identical splits. The first kind's cells are the ones above; each
 * further kind adds {@code n<budget>-s<seed>-<kind>}, which reads the first kind's prepared split
 * ({@code outputs.prepare}), trains and scores its own teacher and a KD student from it. The
 * labels-only student does not depend on the teacher, so it runs once per cell (the first kind's)
 * and its accuracy stands beside every kind; the TF-IDF baseline runs for the first kind only. The
 * sweep has no grid for a fine-tuned teacher, so a kind other than {@code head} needs {@code
 * sweep.enabled: false} (checked with the configuration). Cost: a fine-tuned cell trains the whole
 * encoder (minutes per 1,000 labelled texts on 2 cores) and scores every text with it.
 */
public final class LearningCurve {
  private static final Logger LOG = LoggerFactory.getLogger(LearningCurve.class);

  /**
   * Test accuracies of one cell, and the validation accuracies of the two KD students (NaN where
   * the baseline is off).
   */
  public record Cell(
      String teacherKind,
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

  /** The teacher kinds compared: {@code curve.teacherKinds}, or the configured {@code teacher.kind} alone. */
  public List<TeacherKind> teacherKinds() {
    return teacherKinds(base);
  }

  static List<TeacherKind> teacherKinds(DistillConfig config) {
    return config.curve.teacherKinds.isEmpty() ? List.of(config.teacher.kind) : List.copyOf(config.curve.teacherKinds);
  }

  /** The configuration of one cell with the first teacher kind (before the sweep's choices). */
  public DistillConfig cellConfig(int labelsPerClass, long seed) {
    TeacherKind first = teacherKinds().get(0);
    if (!base.sweep.enabled
        && first == base.teacher.kind
        && labelsPerClass == base.data.split.labelledPerClass
        && seed == base.data.split.effectiveLabelSeed()
        && seed == base.teacher.seed
        && seed == base.student.seed) {
      return base;
    }
    DistillConfig c = CellConfigs.of(spark, base, overwrite, "curve", labelsPerClass, seed);
    c.teacher.kind = first;
    return c;
  }

  /**
   * The configuration of one cell with teacher {@code kind}: the first kind's is {@link
   * #cellConfig(int, long)}; another kind's lives in {@code n<budget>-s<seed>-<kind>} and reads
   * the first kind's prepared split.
   */
  public DistillConfig cellConfig(int labelsPerClass, long seed, TeacherKind kind) {
    DistillConfig first = cellConfig(labelsPerClass, seed);
    if (kind == teacherKinds().get(0)) {
      return first;
    }
    DistillConfig c = CellConfigs.of(spark, base, overwrite, "curve", labelsPerClass, seed);
    c.workDir = c.workDir + "-" + kind;
    c.teacher.kind = kind;
    c.outputs.put(PrepareStage.NAME, context(first).output(PrepareStage.NAME).dir().toString());
    return c;
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
        ChainFigures figures = runChain(stages, kdConfig);
        Map<String, Object> kd = figures.kd();
        Map<String, Object> labels = figures.labels();
        double kdValidation = figures.kdValidation();
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
        List<TeacherKind> kinds = teacherKinds();
        cells.add(
            new Cell(kinds.get(0).toString(), budget, seed, accuracy(kd, "teacher"), accuracy(labels, "student"), accuracy(kd, "student"), tfidfLabels, tfidfKd,
                kdValidation, tfidfKdValidation));
        for (TeacherKind kind : kinds.subList(1, kinds.size())) {
          cells.add(otherKind(budget, seed, kind, accuracy(labels, "student")));
        }
      }
    }
    if (base.sweep.enabled) {
      sweepStage.run(); // publishes the choices; every candidate is finished, so nothing retrains
    }
    return cells;
  }

  /** A further teacher kind's cell: its teacher and a KD student, beside the first kind's labels-only student. */
  private Cell otherKind(int budget, long seed, TeacherKind kind, double labelsOnly) {
    DistillConfig kdConfig = cellConfig(budget, seed, kind).withStudentMode("kd");
    LOG.info("learning curve: {} labels per class, seed {}, teacher {} -> {}", budget, seed, kind, kdConfig.workDir);
    List<Stage> stages = new ArrayList<>(Chain.teacher(context(kdConfig)));
    stages.addAll(Chain.student(context(kdConfig)));
    ChainFigures figures = runChain(stages, kdConfig);
    return new Cell(kind.toString(), budget, seed, accuracy(figures.kd(), "teacher"), labelsOnly, accuracy(figures.kd(), "student"), Double.NaN, Double.NaN, figures.kdValidation(), Double.NaN);
  }

  /** What a cell reads from its chain: the KD and labels-only evaluations (null when not run) and the KD student's validation accuracy. */
  private record ChainFigures(Map<String, Object> kd, Map<String, Object> labels, double kdValidation) {}

  /** Runs {@code stages} (each resumes or skips) and reads the cell's figures from their manifests. */
  private ChainFigures runChain(List<Stage> stages, DistillConfig kdConfig) {
    String kdStudent = new TrainStudentStage(context(kdConfig)).output().dir().toString();
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
      } else if (stage instanceof TrainStudentStage && stage.output().dir().toString().equals(kdStudent)) {
        kdValidation = ((Number) result.manifest().metrics().get("validationAccuracy")).doubleValue();
      }
    }
    return new ChainFigures(kd, labels, kdValidation);
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
   * One row of the curve: the cells of one teacher kind at one budget and their mean ± std over
   * seeds (teacher, labels-only student, KD student).
   */
  public record Row(String teacherKind, int labelsPerClass, List<Cell> cells, MeanStd teacher, MeanStd labelsOnly, MeanStd kd) {}

  /** The curve's rows, by teacher kind (first appearance) then budget; only (kind, budget) pairs with cells. */
  public static List<Row> rows(List<Cell> cells) {
    List<Row> out = new ArrayList<>();
    for (String kind : kinds(cells)) {
      for (int budget : cells.stream().map(Cell::labelsPerClass).distinct().sorted().toList()) {
        List<Cell> row = cells.stream().filter(c -> c.labelsPerClass() == budget && c.teacherKind().equals(kind)).toList();
        if (!row.isEmpty()) {
          out.add(new Row(kind, budget, row, MeanStd.of(row.stream().mapToDouble(Cell::teacher).toArray()), MeanStd.of(row.stream().mapToDouble(Cell::labelsOnly).toArray()),
              MeanStd.of(row.stream().mapToDouble(Cell::kd).toArray())));
        }
      }
    }
    return out;
  }

  /** The teacher kinds among {@code cells}, in order of first appearance. */
  public static List<String> kinds(List<Cell> cells) {
    return cells.stream().map(Cell::teacherKind).distinct().toList();
  }

  /**
   * The curve as a Markdown table: test accuracy, mean ± std over seeds per budget (and teacher
   * kind, when the curve compares several), the KD student's share of its teacher's accuracy, the
   * n-gram and TF-IDF students side by side, and the two KD students' validation accuracy (what
   * model selection saw).
   */
  public static String table(List<Cell> cells) {
    List<String> kinds = kinds(cells);
    boolean several = kinds.size() > 1;
    StringBuilder out = new StringBuilder();
    out.append(several ? "| teacher kind " : "")
        .append("| labels/class | seeds | teacher | labels-only student | KD student | KD / teacher | KD - labels-only | TF-IDF labels-only | TF-IDF KD |"
            + " validation: KD student / TF-IDF KD |\n");
    out.append(several ? "|---" : "").append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Row r : rows(cells)) {
      out.append(several ? "| " + r.teacherKind() + " " : "")
          .append(
              String.format(
                  Locale.ROOT,
                  "| %d | %d | %s | %s | %s | %s | %+.3f | %s | %s | %s / %s |%n",
                  r.labelsPerClass(),
                  r.cells().size(),
                  r.teacher().format(),
                  r.labelsOnly().format(),
                  r.kd().format(),
                  share(r.kd().mean(), r.teacher().mean()),
                  r.kd().mean() - r.labelsOnly().mean(),
                  cell(r.cells(), Cell::tfidfLabelsOnly),
                  cell(r.cells(), Cell::tfidfKd),
                  cell(r.cells(), Cell::kdValidation),
                  cell(r.cells(), Cell::tfidfKdValidation)));
    }
    return out.toString();
  }

  /** A student's accuracy as a fraction of its teacher's, or "-" for a teacher at 0. */
  public static String share(double student, double teacher) {
    return teacher > 0 ? String.format(Locale.ROOT, "%.3f", student / teacher) : "-";
  }

  /** The claims the demo checks at one budget, per teacher kind, as readable lines. */
  public static List<String> verdict(List<Cell> cells, int budget) {
    List<String> out = new ArrayList<>();
    List<String> kinds = kinds(cells);
    for (Row r : rows(cells)) {
      if (r.labelsPerClass() != budget) {
        continue;
      }
      String kind = r.teacherKind();
      String where = kinds.size() > 1 ? String.format(Locale.ROOT, "at %d labels/class, teacher %s", budget, kind) : String.format(Locale.ROOT, "at %d labels/class", budget);
      MeanStd teacher = r.teacher();
      MeanStd labels = r.labelsOnly();
      MeanStd kd = r.kd();
      double margin = kd.mean() - labels.mean();
      double stds = (Double.isNaN(kd.std()) ? 0 : kd.std()) + (Double.isNaN(labels.std()) ? 0 : labels.std());
      out.add(String.format(Locale.ROOT, "%s: KD - labels-only = %+.4f vs std(KD) + std(labels-only) = %.4f: %s",
          where, margin, stds, margin > stds ? "KD wins beyond two standard deviations" : "NOT beyond two standard deviations"));
      out.add(String.format(Locale.ROOT, "%s: KD student keeps %.1f%% of the teacher's test accuracy (%s)",
          where, 100 * kd.mean() / teacher.mean(), kd.mean() >= 0.95 * teacher.mean() ? ">= 95%" : "below 95%"));
    }
    return out;
  }
}
