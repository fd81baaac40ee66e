package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.Chain;
import org.sparkdistill.stage.EncodeStage;
import org.sparkdistill.stage.EvaluateStage;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.ScoreStage;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.stage.TargetsStage;
import org.sparkdistill.stage.TrainStudentStage;
import org.sparkdistill.stage.TrainTeacherStage;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;

/**
 * The whole MUKA comparison of one configuration ({@code muka} command): per seed of {@code
 * muka.seeds}, the teachers on their label subsets (shared prepare and encode), a union teacher
 * for reference, and one student per variant on the same architecture: MUKA (MC, soft,
 * re-weighted), MUKA hard, {@code no-mc}, concatenated-logit KD, UHC and the upper bound (the same
 * student on the true union labels of the pool). Every cell is a set of ordinary stage outputs
 * ({@code <workDir>/s<seed>/<variant>/...}), so a rerun skips finished cells.
 *
 * <p>What the students see: the pool texts (train split) with labels removed; teachers see the
 * pool labels of their own subset; validation labels serve early stopping and the choice of hard
 * vs soft selection ("chosen on validation"); test labels only the evaluation.
 */
public final class MukaComparison {
  private static final Logger LOG = LoggerFactory.getLogger(MukaComparison.class);

  /** One student variant: its row name and how it changes the seed's configuration. */
  public record Variant(String name, String description, boolean selects, Consumer<DistillConfig> apply) {}

  public static final List<Variant> VARIANTS =
      List.of(
          new Variant("muka", "MUKA (MC, soft, re-weighted)", true, c -> muka(c, MukaMethod.MC, "soft", true)),
          new Variant("muka-hard", "MUKA (MC, hard, re-weighted)", true, c -> muka(c, MukaMethod.MC, "hard", true)),
          new Variant("no-mc", "MUKA no_mc (one pass, soft, re-weighted)", true, c -> muka(c, MukaMethod.NO_MC, "soft", true)),
          new Variant("concat-kd", "KD on concatenated logits (T = muka.kdTemperature)", false, c -> {
            c.targets.method = MukaMethod.NAME;
            c.muka.variant = MukaMethod.CONCAT_KD;
          }),
          new Variant("uhc", "UHC (one KL per teacher block)", false, c -> {
            c.targets.method = MukaMethod.NAME;
            c.muka.variant = MukaMethod.UHC;
          }),
          new Variant("upper", "upper bound: same student on true union labels", false, c -> {
            c.targets.method = "kd";
            c.student.mode = StudentMode.LABELS;
          }));

  private static void muka(DistillConfig c, String uncertainty, String selection, boolean reweight) {
    c.targets.method = MukaMethod.NAME;
    c.muka.variant = MukaMethod.MUKA;
    c.muka.uncertainty = uncertainty;
    c.muka.selection = selection;
    c.muka.reweight = reweight;
  }

  /** Figures of one (seed, variant) cell; NaN where not applicable. */
  public record Cell(long seed, String variant, double testAccuracy, double testMacroF1, double validationAccuracy, double selectionAccuracy) {}

  /**
   * Per seed: each teacher's test accuracy within its own labels, the union teacher's, the MC cost
   * (score seconds with K passes and with one) and each teacher cache's mean MC mutual information.
   */
  public record SeedTeachers(long seed, Map<String, Double> withinSubset, double unionTeacher, Map<String, double[]> scoreSeconds, Map<String, Double> mutualInformation) {}

  /** The comparison's results. */
  public record Result(List<Cell> cells, List<SeedTeachers> teachers, long validationLabels, long studentRows, List<MukaTeachers.Teacher> teacherList, Map<String, Double> encodeSeconds) {}

  private final SparkSession spark;
  private final DistillConfig base;
  private final boolean overwrite;
  private final Consumer<StageResult> listener;

  public MukaComparison(SparkSession spark, DistillConfig base, boolean overwrite) {
    this(spark, base, overwrite, r -> {});
  }

  /** @param listener told of every stage run (or skipped), e.g. to print its summary */
  public MukaComparison(SparkSession spark, DistillConfig base, boolean overwrite, Consumer<StageResult> listener) {
    this.spark = spark;
    this.base = base;
    this.overwrite = overwrite;
    this.listener = listener;
  }

  /** Fingerprints of every output the results come from (the report's plan), by role. */
  private final Map<String, String> sources = new LinkedHashMap<>();
  /** The first seed's stages, for the report's stage times. */
  private final List<Stage> firstSeedStages = new ArrayList<>();
  private boolean firstSeed;

  private StageResult run(Stage stage) {
    StageResult r = stage.run();
    listener.accept(r);
    if (firstSeed) {
      firstSeedStages.add(stage);
    }
    return r;
  }

  private StageContext context(DistillConfig c) {
    return new StageContext(spark, c, overwrite);
  }

  /** The configuration shared by every cell of {@code seed}. */
  public DistillConfig seedConfig(long seed) {
    DistillConfig c = base.copy();
    StageContext root = context(base);
    c.workDir = new Path(base.workDir, "s" + seed).toString();
    c.outputs.putIfAbsent(PrepareStage.NAME, root.output(PrepareStage.NAME).dir().toString());
    c.outputs.putIfAbsent(EncodeStage.NAME, root.output(EncodeStage.NAME).dir().toString());
    java.util.Set<String> encodes = new java.util.LinkedHashSet<>(List.of("encode-fp32", "encode-int8"));
    for (MukaTeachers.Teacher t : MukaTeachers.of(base)) {
      encodes.add(t.encoder().encodeOutput());
    }
    for (String key : encodes) { // one encode per encoder, shared by every seed
      c.outputs.putIfAbsent(key, root.output(key).dir().toString());
    }
    c.teacher.seed = seed;
    c.score.seed = base.score.seed + seed;
    c.student.seed = seed;
    c.evaluate.speed = false;
    return c;
  }

  /** The configuration of {@code variant} within {@code seedConfig}: its own targets and student outputs. */
  public static DistillConfig variantConfig(DistillConfig seedConfig, Variant variant) {
    DistillConfig c = seedConfig.copy();
    StageContextFree dirs = new StageContextFree(seedConfig);
    c.workDir = new Path(seedConfig.workDir, variant.name()).toString();
    for (String shared : List.of(PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME)) {
      c.outputs.putIfAbsent(shared, dirs.dir(shared));
    }
    for (MukaTeachers.Teacher t : MukaTeachers.of(seedConfig)) {
      c.outputs.putIfAbsent(t.scoreOutput(), dirs.dir(t.scoreOutput()));
      c.outputs.putIfAbsent(t.headOutput(), dirs.dir(t.headOutput()));
    }
    variant.apply().accept(c);
    return c;
  }

  /** {@code outputs.<key>} else {@code <workDir>/<key>}, without a session. */
  private record StageContextFree(DistillConfig c) {
    String dir(String key) {
      return MukaTeachers.dir(c, key);
    }
  }

  public Result run() {
    List<MukaTeachers.Teacher> teachers = MukaTeachers.of(base);
    List<Cell> cells = new ArrayList<>();
    List<SeedTeachers> seedTeachers = new ArrayList<>();
    long validationLabels = -1;
    long studentRows = -1;
    // each encode output (the union teacher's, and one per other encoder the teachers name): its seconds when it was computed
    Map<String, Double> encodeSeconds = new LinkedHashMap<>();
    Map<String, Map<String, Object>> evaluations = new LinkedHashMap<>();
    for (long seed : base.muka.seeds) {
      firstSeed = seed == base.muka.seeds.get(0);
      DistillConfig seedConfig = seedConfig(seed);
      LOG.info("muka: seed {} -> {}", seed, seedConfig.workDir);
      // the union teacher (reference, and the evaluate stage's teacher column)
      StageResult unionScore = null;
      for (Stage stage : Chain.teacher(context(seedConfig))) {
        StageResult r = run(stage);
        if (stage instanceof ScoreStage) {
          unionScore = r;
        }
        if (stage instanceof PrepareStage) {
          Manifest m = r.manifest();
          validationLabels = ((Number) m.metrics().getOrDefault("labelledValidationRows", -1L)).longValue();
          studentRows = m.splitCounts().getOrDefault(Split.TRAIN.value(), -1L);
        }
        if (stage instanceof EncodeStage) {
          encodeSeconds.putIfAbsent(new org.apache.hadoop.fs.Path(r.path()).getName(), seconds(r.manifest()));
        }
      }
      Map<String, Double> within = new LinkedHashMap<>();
      Map<String, double[]> cost = new LinkedHashMap<>();
      Map<String, Double> mutualInformation = new LinkedHashMap<>();
      sources.put("s" + seed + ":score-union", unionScore.manifest().fingerprint());
      for (MukaTeachers.Teacher t : teachers) {
        DistillConfig tc = MukaTeachers.teacherConfig(seedConfig, t);
        StageResult score = null;
        for (Stage stage : Chain.teacher(context(tc))) {
          StageResult r = run(stage);
          if (stage instanceof ScoreStage) {
            score = r;
          }
          if (stage instanceof EncodeStage) {
            encodeSeconds.putIfAbsent(new org.apache.hadoop.fs.Path(r.path()).getName(), seconds(r.manifest()));
          }
        }
        within.put(t.name(), number(score.manifest().metrics(), "testAccuracy"));
        mutualInformation.put(t.name(), number(score.manifest().metrics(), "meanMutualInformation"));
        sources.put("s" + seed + ":" + t.scoreOutput(), score.manifest().fingerprint());
        // the MC passes' cost: the same teacher scored with one pass
        DistillConfig one = tc.copy();
        one.score.mcPasses = 1;
        one.outputs.put(ScoreStage.NAME, MukaTeachers.dir(seedConfig, t.scoreOutput() + "-k1"));
        StageResult single = run(new ScoreStage(context(one)));
        cost.put(t.name(), new double[] {seconds(score.manifest()), seconds(single.manifest())});
        sources.put("s" + seed + ":" + t.scoreOutput() + "-k1", single.manifest().fingerprint());
      }
      seedTeachers.add(new SeedTeachers(seed, within, number(unionScore.manifest().metrics(), "testAccuracy"), cost, mutualInformation));
      for (Variant v : VARIANTS) {
        if (!base.muka.students.contains(v.name())) {
          continue;
        }
        DistillConfig vc = variantConfig(seedConfig, v);
        StageContext ctx = context(vc);
        LOG.info("muka: seed {} variant {} -> {}", seed, v.name(), vc.workDir);
        double test = Double.NaN;
        double f1 = Double.NaN;
        double validation = Double.NaN;
        for (Stage stage : Chain.student(ctx)) {
          StageResult r = run(stage);
          if (stage instanceof EvaluateStage) {
            @SuppressWarnings("unchecked")
            Map<String, Object> student = (Map<String, Object>) r.manifest().metrics().get("student");
            test = number(student, "accuracy");
            f1 = number(student, "macroF1");
            sources.put("s" + seed + ":" + v.name() + ":evaluate", r.manifest().fingerprint());
            if (firstSeed) {
              evaluations.put(v.description(), r.manifest().metrics());
            }
          }
          if (stage instanceof TrainStudentStage) {
            validation = number(r.manifest().metrics(), "validationAccuracy");
          }
        }
        double selection = v.selects() ? selectionAccuracy(ctx.graph().input(TargetsStage.NAME).read(CacheSchemas.targets().add(MukaTargets.SELECTED, "string")), teachers, Split.TEST) : Double.NaN;
        cells.add(new Cell(seed, v.name(), test, f1, validation, selection));
        LOG.info("muka: seed {} {}: test accuracy {}, macro-F1 {}, validation {}, selection {}", seed, v.name(), test, f1, validation, selection);
      }
    }
    Result result = new Result(cells, seedTeachers, validationLabels, studentRows, teachers, encodeSeconds);
    firstSeed = false;
    StageResult report = run(new MukaReportStage(context(base), MukaResults.toJson(result, base.muka.seeds, base.score.mcPasses), table(result), sources, evaluations, firstSeedStages));
    LOG.info("muka: report {}", report.manifest().metrics().get("report"));
    return result;
  }

  /** Share of labelled rows of {@code split} whose selected teacher's label set holds the true label. */
  public static double selectionAccuracy(Dataset<Row> targets, List<MukaTeachers.Teacher> teachers, Split split) {
    Column hit = functions.lit(false);
    for (MukaTeachers.Teacher t : teachers) {
      hit = hit.or(functions.col(MukaTargets.SELECTED).equalTo(t.name()).and(functions.col(Columns.LABEL).isin(t.labels().toArray())));
    }
    Row r =
        targets.filter(functions.col(Columns.SPLIT).equalTo(split.value()).and(functions.col(Columns.LABEL).isNotNull()))
            .agg(functions.avg(hit.cast("double")))
            .first();
    return r.isNullAt(0) ? Double.NaN : r.getDouble(0);
  }

  private static double seconds(Manifest m) {
    return number(m.metrics(), "seconds");
  }

  private static double number(Map<String, Object> m, String key) {
    Object v = m == null ? null : m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** Mean ± std of {@code f} over the variant's seeds; null where a value is missing (NaN). */
  private static MeanStd stat(List<Cell> cells, String variant, java.util.function.ToDoubleFunction<Cell> f) {
    double[] values = cells.stream().filter(c -> c.variant().equals(variant)).mapToDouble(f).toArray();
    if (values.length == 0 || java.util.Arrays.stream(values).anyMatch(Double::isNaN)) {
      return null;
    }
    return MeanStd.of(values);
  }

  private static String fmt(MeanStd m) {
    return m == null ? "-" : m.format();
  }

  /** The comparison as Markdown: the table, the teachers, the MC cost and the verdict. */
  public static String table(Result result) {
    List<Cell> cells = result.cells();
    StringBuilder out = new StringBuilder();
    int seeds = (int) cells.stream().mapToLong(Cell::seed).distinct().count();
    out.append(String.format(Locale.ROOT, "Union label set, test split; mean ± std over %d seeds. Students train on %d pool texts with no label;"
        + " %d validation labels serve early stopping and the hard/soft choice.%n%n", seeds, result.studentRows(), result.validationLabels()));
    out.append("| student | test accuracy | test macro-F1 | validation accuracy | teacher selection accuracy (test) |\n");
    out.append("|---|---:|---:|---:|---:|\n");
    for (Variant v : VARIANTS) {
      if (cells.stream().noneMatch(c -> c.variant().equals(v.name()))) {
        continue;
      }
      out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", v.description(),
          fmt(stat(cells, v.name(), Cell::testAccuracy)), fmt(stat(cells, v.name(), Cell::testMacroF1)),
          fmt(stat(cells, v.name(), Cell::validationAccuracy)), fmt(stat(cells, v.name(), Cell::selectionAccuracy))));
    }
    // hard vs soft chosen per seed on validation
    List<Double> chosen = new ArrayList<>();
    List<Double> chosenF1 = new ArrayList<>();
    List<String> picks = new ArrayList<>();
    for (long seed : cells.stream().map(Cell::seed).distinct().toList()) {
      Cell soft = find(cells, seed, "muka");
      Cell hard = find(cells, seed, "muka-hard");
      if (soft != null && hard != null) {
        Cell pick = hard.validationAccuracy() > soft.validationAccuracy() ? hard : soft;
        chosen.add(pick.testAccuracy());
        chosenF1.add(pick.testMacroF1());
        picks.add(pick.variant());
      }
    }
    if (!chosen.isEmpty()) {
      out.append(String.format(Locale.ROOT, "| MUKA, selection chosen on validation (%s) | %s | %s | | |%n", String.join(", ", picks),
          MeanStd.of(chosen.stream().mapToDouble(Double::doubleValue).toArray()).format(),
          MeanStd.of(chosenF1.stream().mapToDouble(Double::doubleValue).toArray()).format()));
    }
    out.append("\nTeachers (test accuracy within their own labels):\n\n| teacher | labels | encoder (kind when not head) | accuracy within its labels |\n|---|---|---|---:|\n");
    for (MukaTeachers.Teacher t : result.teacherList()) {
      double[] acc = result.teachers().stream().mapToDouble(s -> s.withinSubset().get(t.name())).toArray();
      out.append(String.format(Locale.ROOT, "| %s | %d: %s | %s | %s |%n", t.name(), t.labels().size(), String.join(",", t.labels()), t.precision(), MeanStd.of(acc).format()));
    }
    out.append(String.format(Locale.ROOT, "| union teacher (reference, all %d labels) | | | %s |%n", result.teacherList().stream().flatMap(t -> t.labels().stream()).distinct().count(),
        MeanStd.of(result.teachers().stream().mapToDouble(SeedTeachers::unionTeacher).toArray()).format()));
    List<String> fineTuned = result.teacherList().stream().filter(t -> t.kind() == org.sparkdistill.config.TeacherKind.FINETUNE).map(MukaTeachers.Teacher::name).toList();
    if (fineTuned.size() < result.teacherList().size()) {
      out.append("\nMC cost: the frozen-encoder teachers are an ONNX encoder + a dropout/linear head, and the exported encoder graph has no dropout, so their K MC passes"
          + " cover the head only (their spread is small).");
    } else {
      out.append("\nMC cost:");
    }
    if (!fineTuned.isEmpty()) {
      out.append(" Fine-tuned teachers (" + String.join(", ", fineTuned) + "): MC over the top teacher.finetune.mcLayers layers and the head.");
    }
    out.append(" Score stage seconds per teacher, K passes vs one:");
    for (SeedTeachers s : result.teachers()) {
      for (Map.Entry<String, double[]> e : s.scoreSeconds().entrySet()) {
        out.append(String.format(Locale.ROOT, " s%d %s %.1f s vs %.1f s;", s.seed(), e.getKey(), e.getValue()[0], e.getValue()[1]));
      }
    }
    out.append(" encode (each run once, shared by the teachers on its encoder):");
    result.encodeSeconds().forEach((name, seconds) -> out.append(String.format(Locale.ROOT, " %s %.1f s;", name, seconds)));
    out.append(System.lineSeparator());
    MeanStd m = stat(cells, "muka", Cell::testAccuracy);
    MeanStd kd = stat(cells, "concat-kd", Cell::testAccuracy);
    MeanStd uhc = stat(cells, "uhc", Cell::testAccuracy);
    out.append('\n');
    for (MeanStd[] pair : new MeanStd[][] {{kd}, {uhc}}) {
      MeanStd b = pair[0];
      if (m == null || b == null) {
        continue;
      }
      double margin = m.std() + b.std();
      if (!Double.isFinite(margin)) { // one seed: no spread to compare the difference with
        out.append(String.format(Locale.ROOT, "- MUKA %s vs %s %s: difference %+.4f (one seed: no standard deviation to compare it with)%n", m.format(), b == kd ? "concat-KD" : "UHC", b.format(),
            m.mean() - b.mean()));
        continue;
      }
      out.append(String.format(Locale.ROOT, "- MUKA %s vs %s %s: difference %+.4f, sum of stds %.4f: %s%n", m.format(), b == kd ? "concat-KD" : "UHC", b.format(),
          m.mean() - b.mean(), margin, m.mean() - b.mean() > margin ? "beats it by more than the sum of stds" : "does NOT beat it by more than the sum of stds"));
    }
    return out.toString();
  }

  private static Cell find(List<Cell> cells, long seed, String variant) {
    return cells.stream().filter(c -> c.seed() == seed && c.variant().equals(variant)).findFirst().orElse(null);
  }
}
