package org.sparkdistill.method.lelp;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.method.kd.KdMethod;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.stage.TrainTeacherStage;

/**
 * The {@code lelp} command: LELP students against plain-KD and labels-only students of the same
 * architecture, per label budget ({@code lelp.labelsPerClass}) and seed ({@code lelp.seeds}), all
 * scored on the same fixed test split beside the teacher.
 *
 * <p>Per budget, on the selection seeds ({@code lelp.selection: mean}, the default: every seed, each
 * variant scored by the mean of its seeds' validation accuracies, which with 25 labelled validation
 * texts per class is the difference between a choice and a coin toss; {@code first-seed}: the first
 * seed alone, a third of the grid's cost at three seeds), the LELP settings ({@code lelp.subclasses} × {@code
 * lelp.subclassTemperatures} × {@code lelp.nullSpace} × {@code lelp.whiten} × {@code
 * lelp.calibrate}, each a {@link Setting}; {@code lelp.search: grid} tries every combination, {@code
 * coordinate} starts from the first value of each and tries every value of one coordinate at a time,
 * keeping the best: S, β, null space, whiten, calibrate) and every KD α ({@code lelp.alphas})
 * train students; the best on validation accuracy (early stopping's best epoch) is chosen. The
 * chosen LELP setting is then tried at every nonzero α of the same grid ({@code
 * targets.lelp.alpha}: a hard-label CE on the summed class probability, the analogue of KD's α).
 * Every seed then runs the teacher, the labels-only student, KD with α = 0 (the paper's setting),
 * KD with the chosen α, embedding distillation ({@code targets.method: embedding}, the same student
 * with a projection to the teacher's features, at the {@code lelp.featureWeights} weight chosen on
 * validation), LELP with the chosen setting at α = 0 and at its chosen α, and (with {@code
 * lelp.subclassControl}) that setting with S = 1. Test labels are read by evaluate only.
 *
 * <p>Layout: {@code <workDir>/lelp/n<budget>-s<seed>/} holds the cell's prepare, train-teacher and
 * score outputs (encode is shared: {@code outputs.encode}), and one directory per student variant
 * ({@code lelp-S4-b0.5-null}, {@code kd-a0.0}, {@code embed-w1.0}, {@code labels}) with its targets, student,
 * predictions and evaluation. Every stage is skipped when finished, so rerunning the command resumes
 * where it stopped; the tables go to {@code <workDir>/lelp/comparison.md} and {@code .json}.
 */
public final class LelpComparison {
  private static final Logger LOG = LoggerFactory.getLogger(LelpComparison.class);

  /**
   * What one student variant scored: validation (model choice) and test accuracy, the teacher's,
   * and for a LELP variant its targets' {@code lelpSubclassEntropy} (null otherwise, and for
   * targets written before the figure existed).
   */
  public record Score(String variant, double validation, double test, double teacher, Double subclassEntropy) {
    public Score(String variant, double validation, double test, double teacher) {
      this(variant, validation, test, teacher, null);
    }

    /** The mean of one variant's scores over several seeds (the entropy only when every seed has one). */
    static Score mean(String variant, List<Score> seeds) {
      java.util.function.Function<java.util.function.ToDoubleFunction<Score>, Double> mean = f -> seeds.stream().mapToDouble(f).average().orElse(Double.NaN);
      Double entropy = seeds.stream().allMatch(s -> s.subclassEntropy() != null) ? mean.apply(Score::subclassEntropy) : null;
      return new Score(variant, mean.apply(Score::validation), mean.apply(Score::test), mean.apply(Score::teacher), entropy);
    }
  }

  /** {@code lelp.selection}: choose on the mean validation accuracy of every seed. */
  public static final String SELECT_MEAN = "mean";

  /** {@code lelp.selection}: choose on the first seed's validation accuracy alone. */
  public static final String SELECT_FIRST_SEED = "first-seed";

  /** The values {@code lelp.selection} takes. */
  public static final List<String> SELECTIONS = List.of(SELECT_MEAN, SELECT_FIRST_SEED);

  /** Whose validation made a budget's choices, for the tables and the report: {@code seed 1} or {@code mean of seeds [1, 2, 3]}. */
  static String chosenOn(List<?> seeds) {
    return seeds.size() == 1 ? "seed " + seeds.get(0) : "mean of seeds " + seeds;
  }

  /**
   * The choices of one budget and every score of its grid.
   *
   * @param lelp the LELP setting chosen at α = 0 (the paper's student)
   * @param embedding the chosen embedding-distillation variant ({@code embed-w<λ>}), null when
   *     {@code lelp.featureWeights} is empty
   * @param lelpBest that setting at the {@code targets.lelp.alpha} of {@code lelp.alphas} chosen on validation ({@code lelp} itself at α = 0)
   * @param grid every variant tried, its scores the mean over {@code selectedOn}
   * @param selectedOn the seeds whose mean validation accuracy made the choices ({@code lelp.selection})
   */
  public record Choice(int labelsPerClass, String lelp, String kd, double alpha, String embedding, String lelpBest, double lelpAlpha, List<Score> grid, List<String> skipped, List<Long> selectedOn) {}

  /**
   * Test accuracies of one (budget, seed) cell; {@code embedding} is null without that baseline;
   * {@code lelp} at α = 0, {@code lelpBest} at the chosen α; {@code lelpS1} the chosen setting with
   * S = 1 (the same teacher temperature and loss, no subclasses: the control that says what the
   * split itself adds), null when the chosen S is 1 or {@code lelp.subclassControl} is off.
   */
  public record Cell(int labelsPerClass, long seed, double teacher, double labelsOnly, double kdAlpha0, double kdBest, Double embedding, double lelp, double lelpBest, Double lelpS1) {
    public Cell(int labelsPerClass, long seed, double teacher, double labelsOnly, double kdAlpha0, double kdBest, Double embedding, double lelp, double lelpBest) {
      this(labelsPerClass, seed, teacher, labelsOnly, kdAlpha0, kdBest, embedding, lelp, lelpBest, null);
    }
  }

  /**
   * @param computed stages this run computed (0 on a rerun of a finished comparison)
   * @param skipped stages found finished and skipped
   */
  public record Result(List<Choice> choices, List<Cell> cells, int computed, int skipped) {}

  private int computed;
  private int skippedStages;

  private StageResult runStage(Stage stage) {
    StageResult result = stage.run();
    if (result.skipped()) {
      skippedStages++;
    } else {
      computed++;
    }
    return result;
  }

  private final SparkSession spark;
  private final DistillConfig base;
  private final boolean overwrite;

  public LelpComparison(SparkSession spark, DistillConfig base, boolean overwrite) {
    this.spark = spark;
    this.base = base;
    this.overwrite = overwrite;
  }

  /** The configuration of one (budget, seed) cell: its teacher side. */
  public DistillConfig cellConfig(int labelsPerClass, long seed) {
    return org.sparkdistill.curve.CellConfigs.of(spark, base, overwrite, "lelp", labelsPerClass, seed);
  }

  /** A student variant of {@code cell}: its own directory, the cell's teacher outputs. */
  DistillConfig variant(DistillConfig cell, String name) {
    DistillConfig c = cell.copy();
    StageContext teacher = new StageContext(spark, cell, overwrite);
    for (String stage : List.of(PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME)) {
      c.outputs.put(stage, teacher.output(stage).dir().toString());
    }
    c.workDir = new Path(cell.workDir, name).toString();
    return c;
  }

  /**
   * One LELP setting of the grid; {@link #name()} is its variant directory: {@code
   * lelp-S<S>-b<β>-<null|full>}, then {@code -white} with whiten and {@code -cal} with calibrate
   * (absent when off, so outputs made before those settings existed keep their names).
   */
  record Setting(int subclasses, double beta, boolean nullSpace, boolean whiten, boolean calibrate) {
    String name() {
      return String.format(Locale.ROOT, "lelp-S%d-b%s-%s", subclasses, beta, nullSpace ? "null" : "full") + (whiten ? WHITE : "") + (calibrate ? CAL : "");
    }

    Setting withSubclasses(int value) {
      return new Setting(value, beta, nullSpace, whiten, calibrate);
    }

    /** The first value of every grid list: where the coordinate search starts. */
    static Setting first(DistillConfig.LelpComparisonSettings grid) {
      return new Setting(grid.subclasses.get(0), grid.subclassTemperatures.get(0), grid.nullSpace.get(0), grid.whiten.get(0), grid.calibrate.get(0));
    }

    /** {@code lelp.search: grid}: one round, every combination (S outermost, calibrate innermost). */
    static java.util.function.Function<Setting, List<Setting>> every(DistillConfig.LelpComparisonSettings grid) {
      return at -> {
        List<Setting> all = new ArrayList<>();
        for (int s : grid.subclasses) {
          for (double beta : grid.subclassTemperatures) {
            for (boolean nullSpace : grid.nullSpace) {
              for (boolean whiten : grid.whiten) {
                for (boolean calibrate : grid.calibrate) {
                  all.add(new Setting(s, beta, nullSpace, whiten, calibrate));
                }
              }
            }
          }
        }
        return all;
      };
    }

    /** {@code lelp.search: coordinate}: one round per coordinate (S, β, null space, whiten, calibrate), each every value at the best so far. */
    static List<java.util.function.Function<Setting, List<Setting>>> coordinates(DistillConfig.LelpComparisonSettings grid) {
      return List.of(
          at -> grid.subclasses.stream().map(at::withSubclasses).toList(),
          at -> grid.subclassTemperatures.stream().map(b -> new Setting(at.subclasses, b, at.nullSpace, at.whiten, at.calibrate)).toList(),
          at -> grid.nullSpace.stream().map(n -> new Setting(at.subclasses, at.beta, n, at.whiten, at.calibrate)).toList(),
          at -> grid.whiten.stream().map(w -> new Setting(at.subclasses, at.beta, at.nullSpace, w, at.calibrate)).toList(),
          at -> grid.calibrate.stream().map(c -> new Setting(at.subclasses, at.beta, at.nullSpace, at.whiten, c)).toList());
    }
  }

  private static final String WHITE = "-white";
  private static final String CAL = "-cal";

  /** {@code lelp} (a {@link Setting#name()}) with the hard-label weight {@code alpha}; itself at 0. */
  static String lelpName(String lelp, double alpha) {
    return alpha == 0 ? lelp : lelp + "-a" + alpha;
  }

  static String kdName(double alpha) {
    return "kd-a" + alpha;
  }

  static String embeddingName(double weight) {
    return EMBEDDING_PREFIX + weight;
  }

  private static final String EMBEDDING_PREFIX = "embed-w";

  /** The student variant {@code name} of {@code cell} (lelp-..., kd-a..., labels). */
  DistillConfig variantConfig(DistillConfig cell, String name) {
    DistillConfig c = variant(cell, name);
    applyVariant(c, name);
    return c;
  }

  /** Sets the method, student mode and settings that the variant {@code name} stands for on {@code c}. */
  static void applyVariant(DistillConfig c, String name) {
    if (name.equals("labels")) {
      c.targets.method = KdMethod.NAME;
      c.student.mode = StudentMode.LABELS;
    } else if (name.startsWith(EMBEDDING_PREFIX)) {
      c.targets.method = org.sparkdistill.method.embedding.EmbeddingMethod.NAME;
      c.student.mode = StudentMode.KD;
      c.student.featureWeight = Double.parseDouble(name.substring(EMBEDDING_PREFIX.length()));
    } else if (name.startsWith("kd-a")) {
      c.targets.method = KdMethod.NAME;
      c.student.mode = StudentMode.KD;
      c.student.alpha = Double.parseDouble(name.substring(4));
    } else {
      String[] parts = name.split("-");
      c.targets.method = LelpMethod.NAME;
      c.student.mode = StudentMode.KD;
      c.targets.lelp.subclasses = Integer.parseInt(parts[1].substring(1));
      c.targets.lelp.subclassTemperature = Double.parseDouble(parts[2].substring(1));
      c.targets.lelp.nullSpace = parts[3].equals("null");
      c.targets.lelp.whiten = false;
      c.targets.lelp.calibrate = false;
      c.targets.lelp.alpha = 0.0;
      for (int i = 4; i < parts.length; i++) {
        if (parts[i].equals(WHITE.substring(1))) {
          c.targets.lelp.whiten = true;
        } else if (parts[i].equals(CAL.substring(1))) {
          c.targets.lelp.calibrate = true;
        } else {
          c.targets.lelp.alpha = Double.parseDouble(parts[i].substring(1));
        }
      }
    }
  }

  /** Runs (or skips, when finished) one student variant of {@code cell}. */
  @SuppressWarnings("unchecked")
  Score run(DistillConfig cell, String name) {
    StageContext context = new StageContext(spark, variantConfig(cell, name), overwrite);
    double validation = Double.NaN;
    double test = Double.NaN;
    double teacher = Double.NaN;
    Double entropy = null;
    for (Stage stage : Chain.student(context)) {
      spark.sparkContext().setJobGroup("lelp", "lelp comparison: " + cell.workDir + " " + name + " " + stage.name(), false);
      StageResult result = runStage(stage);
      Map<String, Object> m = result.manifest().metrics();
      if (stage instanceof org.sparkdistill.stage.TargetsStage && m.get("lelpSubclassEntropy") instanceof Number e) {
        entropy = e.doubleValue();
      }
      if (stage instanceof TrainStudentStage) {
        validation = ((Number) m.get("validationAccuracy")).doubleValue();
      }
      if (stage instanceof EvaluateStage) {
        test = ((Number) ((Map<String, Object>) m.get("student")).get("accuracy")).doubleValue();
        teacher = ((Number) ((Map<String, Object>) m.get("teacher")).get("accuracy")).doubleValue();
      }
    }
    LOG.info("lelp comparison: {} {}: validation {} test {} (teacher {})", cell.workDir, name, validation, test, teacher);
    return new Score(name, validation, test, teacher, entropy);
  }

  /** The one with the higher validation accuracy ({@code current} on ties or when {@code candidate} is null). */
  private static Score better(Score current, Score candidate) {
    if (candidate == null) {
      return current;
    }
    return current == null || candidate.validation() > current.validation() ? candidate : current;
  }

  private void teacher(DistillConfig cell) {
    for (Stage stage : Chain.teacher(new StageContext(spark, cell, overwrite))) {
      runStage(stage);
    }
  }

  /** The choices of one budget and the LELP setting behind {@code choice.lelp()} (its S = 1 control is that setting with S = 1). */
  record Selection(Choice choice, Setting lelp) {}

  /**
   * Makes one budget's choices on validation: the LELP settings ({@code lelp.search}), then KD's α,
   * embedding distillation's λ, then the chosen LELP setting's α; each the highest validation
   * accuracy, ties keeping the earlier (so α = 0 and the search's start). {@code select} trains
   * (or reads back) a variant on the selection seeds and gives its scores; one that throws {@link
   * IllegalArgumentException} (bad input for that setting, e.g. S larger than a class) is skipped
   * and listed.
   */
  static Selection choose(int budget, DistillConfig.LelpComparisonSettings grid, List<Long> selectedOn, java.util.function.Function<String, Score> select) {
    List<Score> scores = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    Map<String, Score> tried = new LinkedHashMap<>();
    java.util.function.Function<String, Score> attempt = name -> tried.computeIfAbsent(name, n -> {
      try {
        Score score = select.apply(n);
        scores.add(score);
        return score;
      } catch (IllegalArgumentException e) {
        LOG.warn("lelp comparison: {} skipped: {}", n, e.getMessage());
        skipped.add(n + ": " + e.getMessage());
        return null;
      }
    });
    Score bestLelp = null;
    Setting chosen = Setting.first(grid);
    for (java.util.function.Function<Setting, List<Setting>> round : grid.search.equals("grid") ? List.of(Setting.every(grid)) : Setting.coordinates(grid)) {
      for (Setting setting : round.apply(chosen)) {
        Score next = better(bestLelp, attempt.apply(setting.name()));
        if (next != bestLelp) {
          chosen = setting;
          bestLelp = next;
        }
      }
    }
    Score bestKd = bestOf(null, grid.alphas.stream().map(LelpComparison::kdName).toList(), select, scores);
    if (bestLelp == null) {
      throw new IllegalStateException("lelp comparison at " + budget + " labels per class: every LELP setting failed: " + skipped);
    }
    Score bestEmbedding = bestOf(null, grid.featureWeights.stream().map(LelpComparison::embeddingName).toList(), select, scores);
    // the chosen LELP setting with a hard-label term: every nonzero α of lelp.alphas (ties keep α = 0)
    String lelp = bestLelp.variant();
    List<Double> nonzero = grid.alphas.stream().filter(a -> a > 0).toList();
    Score lelpBest = bestOf(bestLelp, nonzero.stream().map(a -> lelpName(lelp, a)).toList(), select, scores);
    double lelpAlpha = nonzero.stream().filter(a -> lelpName(lelp, a).equals(lelpBest.variant())).findFirst().orElse(0.0);
    String embedding = bestEmbedding == null ? null : bestEmbedding.variant();
    double alpha = Double.parseDouble(bestKd.variant().substring(4));
    return new Selection(new Choice(budget, bestLelp.variant(), bestKd.variant(), alpha, embedding, lelpBest.variant(), lelpAlpha, scores, skipped, selectedOn), chosen);
  }

  /** Scores every variant of {@code names} (into {@code scores}) and returns the best on validation, {@code start} when none is above it (ties keep the earlier). */
  private static Score bestOf(Score start, List<String> names, java.util.function.Function<String, Score> select, List<Score> scores) {
    Score best = start;
    for (String name : names) {
      Score score = select.apply(name);
      scores.add(score);
      best = better(best, score);
    }
    return best;
  }

  public Result run() {
    DistillConfig.LelpComparisonSettings grid = base.lelp;
    List<Choice> choices = new ArrayList<>();
    List<Cell> cells = new ArrayList<>();
    for (int budget : grid.labelsPerClass) {
      long first = grid.seeds.get(0);
      List<Long> selectedOn = grid.selection.equals(SELECT_MEAN) ? List.copyOf(grid.seeds) : List.of(first);
      LOG.info("lelp comparison: {} labels per class, choosing on the mean validation accuracy of seeds {}", budget, selectedOn);
      // each seed's cell, its teacher side run (or found finished) on first use
      Map<Long, DistillConfig> seedCells = new LinkedHashMap<>();
      java.util.function.LongFunction<DistillConfig> cellOf = seed -> seedCells.computeIfAbsent(seed, s -> {
        DistillConfig cell = cellConfig(budget, s);
        teacher(cell);
        return cell;
      });
      // one variant on every selection seed, scored by its means
      Selection chosen = choose(budget, grid, selectedOn, n -> Score.mean(n, selectedOn.stream().map(seed -> run(cellOf.apply(seed), n)).toList()));
      Choice choice = chosen.choice();
      choices.add(choice);
      String embedding = choice.embedding();
      for (long seed : grid.seeds) {
        DistillConfig seeded = cellOf.apply(seed);
        Score labels = run(seeded, "labels");
        Score kd0 = run(seeded, kdName(0.0));
        Score kd = run(seeded, choice.kd());
        Double embedded = embedding == null ? null : run(seeded, embedding).test();
        Score lelp = run(seeded, choice.lelp());
        Score lelpAtBest = choice.lelpAlpha() == 0 ? lelp : run(seeded, choice.lelpBest());
        Setting setting = chosen.lelp();
        Double control = grid.subclassControl && setting.subclasses() > 1 ? run(seeded, setting.withSubclasses(1).name()).test() : null;
        cells.add(new Cell(budget, seed, lelp.teacher(), labels.test(), kd0.test(), kd.test(), embedded, lelp.test(), lelpAtBest.test(), control));
        write(new Result(choices, cells, computed, skippedStages));
      }
    }
    Result result = new Result(choices, cells, computed, skippedStages);
    write(result);
    return result;
  }

  /** Writes {@code comparison.md} and {@code comparison.json} under {@code <workDir>/lelp} (temporary file, then rename). */
  private void write(Result result) {
    try {
      Path dir = new Path(base.workDir, "lelp");
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      put(fs, new Path(dir, "comparison.md"), tables(result, base.lelp.seeds).getBytes(StandardCharsets.UTF_8));
      put(fs, new Path(dir, "comparison.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the LELP comparison tables", e);
    }
  }

  private static void put(FileSystem fs, Path target, byte[] bytes) throws IOException {
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(bytes);
    }
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }

  private static String cell(List<Cell> row, java.util.function.ToDoubleFunction<Cell> f) {
    return MeanStd.of(row.stream().mapToDouble(f).toArray()).format();
  }

  private static double mean(List<Cell> row, java.util.function.ToDoubleFunction<Cell> f) {
    return MeanStd.of(row.stream().mapToDouble(f).toArray()).mean();
  }

  /** The comparison and the validation grid as Markdown tables. */
  public static String tables(Result result, List<Long> seeds) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "stages computed: %d, skipped (finished): %d%n%n", result.computed(), result.skipped()));
    out.append("### LELP vs plain KD vs labels-only: test accuracy, mean ± std over seeds ").append(seeds).append("\n\n");
    out.append("| labels/class | seeds | teacher | labels-only | KD α=0 | KD best α | embedding distillation | LELP α=0 (chosen) | LELP best α"
        + " | LELP α=0 − KD α=0 | LELP best α − KD best α | LELP best α − labels-only | LELP best α − embedding | LELP S=1 control | LELP α=0 − S=1 |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Choice choice : result.choices()) {
      List<Cell> row = result.cells().stream().filter(c -> c.labelsPerClass() == choice.labelsPerClass()).toList();
      if (row.isEmpty()) {
        continue;
      }
      double lelp = mean(row, Cell::lelp);
      double lelpBest = mean(row, Cell::lelpBest);
      boolean embedded = choice.embedding() != null && row.stream().allMatch(c -> c.embedding() != null);
      boolean controlled = row.stream().allMatch(c -> c.lelpS1() != null);
      out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s (α=%s) | %s | %s (%s) | %s (α=%s) | %+.4f | %+.4f | %+.4f | %s | %s | %s |%n",
          choice.labelsPerClass(), row.size(), cell(row, Cell::teacher), cell(row, Cell::labelsOnly), cell(row, Cell::kdAlpha0),
          cell(row, Cell::kdBest), choice.alpha(),
          embedded ? cell(row, Cell::embedding) + " (" + choice.embedding() + ")" : "-",
          cell(row, Cell::lelp), choice.lelp(), cell(row, Cell::lelpBest), choice.lelpAlpha(),
          lelp - mean(row, Cell::kdAlpha0),
          lelpBest - mean(row, Cell::kdBest),
          lelpBest - mean(row, Cell::labelsOnly),
          embedded ? String.format(Locale.ROOT, "%+.4f", lelpBest - mean(row, c -> c.embedding())) : "-",
          controlled ? cell(row, c -> c.lelpS1()) : "-",
          controlled ? String.format(Locale.ROOT, "%+.4f", lelp - mean(row, c -> c.lelpS1())) : "-"));
    }
    for (Choice choice : result.choices()) {
      out.append(String.format(Locale.ROOT, "%n#### Validation grid at %d labels/class (%s; chosen: %s, %s, %s%s)%n%n",
          choice.labelsPerClass(), chosenOn(choice.selectedOn() == null ? List.of(seeds.get(0)) : choice.selectedOn()), choice.lelp(), choice.lelpBest(), choice.kd(), choice.embedding() == null ? "" : ", " + choice.embedding()));
      out.append("| student | validation | test | teacher (test) | subclass entropy |\n|---|---:|---:|---:|---:|\n");
      for (Score s : choice.grid()) {
        out.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %s |%n", s.variant(), s.validation(), s.test(), s.teacher(),
            s.subclassEntropy() == null ? "-" : String.format(Locale.ROOT, "%.3f", s.subclassEntropy())));
      }
      for (String skip : choice.skipped()) {
        out.append("\nskipped: ").append(skip).append('\n');
      }
    }
    return out.toString();
  }

  /** Cells as a map for reports. */
  public static Map<String, Object> summary(Result result) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("choices", result.choices());
    out.put("cells", result.cells());
    return out;
  }
}
