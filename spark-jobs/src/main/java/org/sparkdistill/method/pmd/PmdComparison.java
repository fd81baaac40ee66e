package org.sparkdistill.method.pmd;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.kg.FilteredRanking;
import org.sparkdistill.kg.KgGraphStage;
import org.sparkdistill.kg.KgSchemas;
import org.sparkdistill.kg.RankingQueries;
import org.sparkdistill.spark.ModelFiles;
import org.sparkdistill.stage.Rebuild;
import org.sparkdistill.stage.Stage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.StageResult;
import org.sparkdistill.udfs.transformer.BertWeights;

/**
 * The whole PMD comparison as one chain of stages: the graph, the zero-shot baseline, the
 * fine-tuned SimKGC teacher and its ranking, then for each model of {@link PmdGrades} a {@code
 * pmd-grade-<id>} stage and its {@code pmd-rank-<id>} ranking. Each stage publishes on its own, so
 * a rerun resumes at the first unfinished grade. {@link #table} prints grade, layers, parameters,
 * test MRR and Hits@1/3/10 and texts/s beside the baselines, a paired bootstrap of each grade's MRR
 * against its same-size baselines, and the smallest grade's share of the teacher's MRR beside the
 * paper's.
 */
public final class PmdComparison {
  /** The rank stages' prefix. */
  public static final String RANK_PREFIX = "pmd-rank-";
  /** The paper's WN18RR figures for its smallest grade: PMD-3's MRR over SimKGC's, and its parameter share (91M of 210M). */
  static final double PAPER_MRR_SHARE = 62.8 / 67.1;
  static final double PAPER_PARAMETER_SHARE = 91.0 / 210.0;

  private final List<Stage> stages = new ArrayList<>();
  private final List<PmdGrades.Grade> grades;
  /** Test reciprocal ranks per grade id, ordered by query id, filled by {@link #results}. */
  private final Map<String, double[]> reciprocalRanks = new HashMap<>();

  private final StageContext context;

  private PmdComparison(List<PmdGrades.Grade> grades, StageContext context) {
    this.grades = grades;
    this.context = context;
  }

  /** The context its stages run in (its seed's configuration). */
  public StageContext context() {
    return context;
  }

  /**
   * One context per seed of {@code pmd.grades.seeds}: {@code pmd.finetune.seed} set to the seed,
   * {@code workDir} {@code <workDir>/seed-<s>}, the graph and the zero-shot baseline (which no seed
   * changes) at the run's own outputs, so they are built once; each its own stage graph. Without
   * seeds, {@code context} itself.
   */
  public static List<StageContext> seedContexts(StageContext context) {
    DistillConfig c = context.config();
    if (c.pmd.grades.seeds.isEmpty()) {
      return List.of(context);
    }
    List<StageContext> out = new ArrayList<>();
    for (long seed : c.pmd.grades.seeds) {
      DistillConfig s = c.copy();
      s.pmd.finetune.seed = seed;
      s.workDir = new Path(c.workDir, "seed-" + seed).toString();
      for (String shared : List.of(KgGraphStage.NAME, ZeroShotStage.NAME)) {
        s.outputs.put(shared, c.outputs.getOrDefault(shared, new Path(c.workDir, shared).toString()));
      }
      out.add(new StageContext(context.spark(), s, context.overwrite(), context.rebuild()));
    }
    return out;
  }

  /** The chain for {@code context}'s configuration (the encoder file is read for its layer count). */
  public static PmdComparison of(StageContext context) {
    DistillConfig c = context.config();
    List<PmdGrades.Grade> grades = grades(c);
    PmdComparison out = new PmdComparison(grades, context);
    out.stages.add(new KgGraphStage(context));
    out.stages.add(new ZeroShotStage(context));
    BiEncoderFineTuneStage teacher = new BiEncoderFineTuneStage(context);
    out.stages.add(teacher);
    out.stages.add(new TeacherRankingStage(context));
    Map<String, Stage> trained = new HashMap<>();
    trained.put(PmdGrades.TEACHER, teacher);
    for (PmdGrades.Grade g : out.grades) {
      GradeStage stage = new GradeStage(context, g, g.teacher() == null ? null : trained.get(g.teacher()));
      trained.put(g.id(), stage);
      out.stages.add(stage);
      out.stages.add(new TeacherRankingStage(context, RANK_PREFIX + g.id(), stage));
    }
    return out;
  }

  /** The grades of {@code c}'s {@code pmd.grades.*} under its encoder (whose depth is read off the ONNX file's layout). */
  static List<PmdGrades.Grade> grades(DistillConfig c) {
    String onnx = ModelFiles.resolve("encoder.model", c.encoder.modelFile(), ModelFiles.sessionConf()).localPath().toString();
    return PmdGrades.of(c.pmd.grades, BertWeights.layers(java.nio.file.Path.of(onnx)));
  }

  /**
   * The knowledge-graph commands' stages for {@code --rebuild}: {@link Rebuild#DEFAULT}, the graph,
   * the zero-shot baseline and the fine-tuned teacher with its ranking.
   */
  public static Rebuild knowledgeGraph() {
    return Rebuild.DEFAULT
        .with(ZeroShotStage.NAME, List.of(KgGraphStage.NAME))
        .with(BiEncoderFineTuneStage.NAME, List.of(KgGraphStage.NAME))
        .with(TeacherRankingStage.NAME, List.of(KgGraphStage.NAME, BiEncoderFineTuneStage.NAME));
  }

  /** The {@code pmd} command's stages for {@code --rebuild}: {@link #knowledgeGraph} and {@code c}'s grades and rankings. */
  public static Rebuild rebuild(DistillConfig c) {
    return rebuild(grades(c));
  }

  /**
   * {@link #knowledgeGraph} and the grades' data edges: each grade reads the graph and the model it
   * learns from (the fine-tuned teacher or the grade above; none for a baseline trained alone), each
   * ranking the graph and its grade. So a rebuilt graph, teacher or grade rebuilds every grade that
   * learns from it, transitively, and the rankings of all of them.
   */
  static Rebuild rebuild(List<PmdGrades.Grade> grades) {
    Rebuild out = knowledgeGraph();
    for (PmdGrades.Grade g : grades) {
      String grade = GradeStage.PREFIX + g.id();
      List<String> reads = new ArrayList<>(List.of(KgGraphStage.NAME));
      if (g.teacher() != null) {
        reads.add(PmdGrades.TEACHER.equals(g.teacher()) ? BiEncoderFineTuneStage.NAME : GradeStage.PREFIX + g.teacher());
      }
      out = out.with(grade, reads).with(RANK_PREFIX + g.id(), List.of(KgGraphStage.NAME, grade));
    }
    return out;
  }

  public List<Stage> stages() {
    return stages;
  }

  public List<PmdGrades.Grade> grades() {
    return grades;
  }

  /** One model's test figures. */
  public record ModelRow(String model, String variant, String layers, String parameters, double mrr, double hits1, double hits3, double hits10, double textsPerSecond) {}

  /** A grade's test MRR against one of its same-size baselines. */
  public record Difference(String grade, String baseline, Bootstrap bootstrap) {
    public boolean excludesZero() {
      return bootstrap.low() > 0 || bootstrap.high() < 0;
    }
  }

  /**
   * The comparison's figures.
   *
   * @param graph what the models ranked on
   * @param models zero-shot, teacher, then every grade and baseline, in training order
   * @param differences each grade against each of its baselines
   * @param smallest the last grade's id
   * @param mrrShare its test MRR over the teacher's
   * @param parameterShare its parameters over the teacher's
   */
  public record Results(String graph, List<ModelRow> models, List<Difference> differences, int bootstrapSamples, String smallest, double mrrShare, double parameterShare) {}

  /** The figures, from the finished stages' manifests and the rank stages' {@code ranks/}. */
  public Results results(SparkSession spark, List<StageResult> stageResults, DistillConfig c) {
    Map<String, StageResult> byStage = new LinkedHashMap<>();
    for (StageResult r : stageResults) {
      byStage.put(r.stage(), r);
    }
    Map<String, Object> teacher = byStage.get(TeacherRankingStage.NAME).manifest().metrics();
    Map<String, Long> counts = byStage.get(KgGraphStage.NAME).manifest().splitCounts();
    String graph = String.format(Locale.ROOT, "%s entities, %s train / %s valid / %s test triples; test split; %d tokens; batch %d (in-batch negatives)",
        counts.get("entities"), counts.get("train"), counts.get("valid"), counts.get("test"), c.pmd.maxLength, c.pmd.finetune.batchSize);
    List<ModelRow> models = new ArrayList<>();
    models.add(row("zero-shot encoder (baseline)", "none", "-", "-", byStage.get(ZeroShotStage.NAME).manifest().metrics()));
    models.add(row("SimKGC teacher", "fine-tuned", String.valueOf(teacher.get("layers")), String.valueOf(teacher.get("parameters")), teacher));
    for (PmdGrades.Grade g : grades) {
      Map<String, Object> m = byStage.get(RANK_PREFIX + g.id()).manifest().metrics();
      String variant = g.variant() == PmdGrades.Variant.PMD ? String.format(Locale.ROOT, "PMD from %s, mask %.0f%%", g.teacher(), 100 * g.maskRate()) : g.variant().id + (g.teacher() == null ? "" : " from teacher");
      models.add(row("grade " + g.id(), variant, String.valueOf(g.layers()), String.valueOf(m.get("parameters")), m));
    }
    List<Difference> differences = new ArrayList<>();
    for (PmdGrades.Grade g : grades) {
      if (g.variant() != PmdGrades.Variant.PMD) {
        continue;
      }
      double[] mine = ranks(spark, byStage, g.id());
      for (PmdGrades.Grade b : grades) {
        if (b.variant() != PmdGrades.Variant.PMD && b.id().startsWith(g.id() + "-")) {
          differences.add(new Difference(g.id(), b.variant().id, Bootstrap.paired(mine, ranks(spark, byStage, b.id()), c.pmd.grades.bootstrapSamples, c.pmd.finetune.seed)));
        }
      }
    }
    PmdGrades.Grade smallest = grades.stream().filter(g -> g.variant() == PmdGrades.Variant.PMD).reduce((a, b) -> b).orElseThrow();
    Map<String, Object> s = byStage.get(RANK_PREFIX + smallest.id()).manifest().metrics();
    return new Results(graph, models, differences, c.pmd.grades.bootstrapSamples, smallest.id(), num(s, "test.mrr") / num(teacher, "test.mrr"), num(s, "parameters") / num(teacher, "parameters"));
  }

  private double[] ranks(SparkSession spark, Map<String, StageResult> byStage, String id) {
    return reciprocalRanks.computeIfAbsent(id, k -> reciprocalRanks(spark, byStage.get(RANK_PREFIX + k)));
  }

  /** A model's figures over seeds. */
  public record SeedRow(String model, String variant, String layers, String parameters, MeanStd mrr, MeanStd hits1, MeanStd hits3, MeanStd hits10, MeanStd textsPerSecond) {}

  /**
   * The comparison over seeds.
   *
   * @param seeds the seeds, in run order
   * @param models each model's mean ± std over seeds
   * @param differences each grade against each baseline, the bootstrap over every (seed, test query) pair pooled
   * @param mrrShare the smallest grade's share of the teacher's MRR over seeds
   * @param perSeed each seed's own figures
   */
  public record Pooled(List<Long> seeds, String graph, List<SeedRow> models, List<Difference> differences, int bootstrapSamples, String smallest, MeanStd mrrShare, double parameterShare, List<Results> perSeed) {}

  /**
   * Pools {@code runs} (one comparison per seed, each after {@link #results}): means and standard
   * deviations per model, and per grade and baseline a paired bootstrap over the test queries of
   * every seed together (each seed's queries paired with the same seed's baseline).
   */
  public static Pooled pool(List<Long> seeds, List<PmdComparison> runs, List<Results> results, int samples, long bootstrapSeed) {
    Results first = results.get(0);
    List<SeedRow> models = new ArrayList<>();
    for (int i = 0; i < first.models().size(); i++) {
      int row = i;
      java.util.function.Function<java.util.function.ToDoubleFunction<ModelRow>, MeanStd> over = f -> MeanStd.of(results.stream().mapToDouble(r -> f.applyAsDouble(r.models().get(row))).toArray());
      ModelRow m = first.models().get(i);
      models.add(new SeedRow(m.model(), m.variant(), m.layers(), m.parameters(), over.apply(ModelRow::mrr), over.apply(ModelRow::hits1), over.apply(ModelRow::hits3), over.apply(ModelRow::hits10), over.apply(ModelRow::textsPerSecond)));
    }
    List<Difference> differences = new ArrayList<>();
    for (Difference d : first.differences()) {
      List<double[]> a = new ArrayList<>();
      List<double[]> b = new ArrayList<>();
      for (PmdComparison run : runs) {
        a.add(run.reciprocalRanks.get(d.grade()));
        b.add(run.reciprocalRanks.get(d.grade() + "-" + d.baseline()));
      }
      differences.add(new Difference(d.grade(), d.baseline(), Bootstrap.paired(concat(a), concat(b), samples, bootstrapSeed)));
    }
    MeanStd share = MeanStd.of(results.stream().mapToDouble(Results::mrrShare).toArray());
    return new Pooled(List.copyOf(seeds), first.graph(), models, differences, samples, first.smallest(), share, first.parameterShare(), List.copyOf(results));
  }

  private static double[] concat(List<double[]> parts) {
    return parts.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
  }

  /** {@code "0.1234 ± 0.0056"}, or {@code "0.1234"} for one seed. */
  static String format(MeanStd v, String pattern) {
    String mean = String.format(Locale.ROOT, pattern, v.mean());
    return v.n() == 1 ? mean : mean + " ± " + String.format(Locale.ROOT, pattern, v.std());
  }

  /** The pooled tables (Markdown), what the {@code pmd} command prints. */
  public static String markdown(Pooled p) {
    StringBuilder out = new StringBuilder();
    out.append("PMD on ").append(p.graph()).append("; seeds ").append(p.seeds()).append(p.seeds().size() > 1 ? " (mean ± std)" : "").append(String.format(Locale.ROOT, "%n%n"));
    out.append("| model | variant | layers | parameters | MRR | H@1 | H@3 | H@10 | texts/s |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (SeedRow m : p.models()) {
      out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", m.model(), m.variant(), m.layers(), m.parameters(),
          format(m.mrr(), "%.4f"), format(m.hits1(), "%.4f"), format(m.hits3(), "%.4f"), format(m.hits10(), "%.4f"), format(m.textsPerSecond(), "%.1f")));
    }
    out.append("\nPaired bootstrap of the test MRR difference (grade minus baseline, ").append(p.bootstrapSamples())
        .append(" resamples of the test queries of all seeds, each paired within its seed, 95% interval):\n\n");
    out.append("| grade | baseline | Δ MRR | 95% interval | excludes 0 |\n|---|---|---:|---|---|\n");
    for (Difference d : p.differences()) {
      out.append(String.format(Locale.ROOT, "| %s | %s | %+.4f | [%+.4f, %+.4f] | %s |%n", d.grade(), d.baseline(), d.bootstrap().mean(), d.bootstrap().low(), d.bootstrap().high(), d.excludesZero() ? "yes" : "no"));
    }
    out.append(String.format(Locale.ROOT, "%n%s%n", smallestSentence(p)));
    return out.toString();
  }

  /** The smallest grade's share of the teacher beside the paper's. */
  static String smallestSentence(Pooled p) {
    return String.format(Locale.ROOT, "The smallest grade (%s) keeps %s%% of the teacher's test MRR with %.1f%% of its parameters; the paper's PMD-3 on WN18RR keeps %.1f%% (62.8 of 67.1) with %.1f%%.",
        p.smallest(), format(new MeanStd(100 * p.mrrShare().mean(), p.mrrShare().n() == 1 ? Double.NaN : 100 * p.mrrShare().std(), p.mrrShare().n()), "%.1f"), 100 * p.parameterShare(), 100 * PAPER_MRR_SHARE, 100 * PAPER_PARAMETER_SHARE);
  }

  private static ModelRow row(String model, String variant, String layers, String parameters, Map<String, Object> m) {
    return new ModelRow(model, variant, layers, parameters, num(m, "test.mrr"), num(m, "test.hits1"), num(m, "test.hits3"), num(m, "test.hits10"), num(m, "textsPerSecond"));
  }

  /** 1/rank of every test query, ordered by query id (so two models' arrays pair up). */
  static double[] reciprocalRanks(SparkSession spark, StageResult rank) {
    Path runDir = new org.sparkdistill.io.StageOutput(rank.path(), spark.sparkContext().hadoopConfiguration()).newRunDir(rank.manifest().runId());
    List<Row> rows = spark.read().parquet(new Path(runDir, "ranks").toString())
        .where(col(KgSchemas.SPLIT).equalTo(KgSchemas.TEST)).select(RankingQueries.QUERY_ID, FilteredRanking.RANK).orderBy(RankingQueries.QUERY_ID).collectAsList();
    double[] out = new double[rows.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = 1.0 / rows.get(i).getLong(1);
    }
    return out;
  }

  private static double num(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** A paired bootstrap of mean(a − b): the mean and the 2.5% and 97.5% quantiles of the resampled means. */
  record Bootstrap(double mean, double low, double high) {
    static Bootstrap paired(double[] a, double[] b, int samples, long seed) {
      if (a.length != b.length || a.length == 0) {
        throw new IllegalArgumentException("a paired bootstrap needs the same non-empty test queries on both sides, got " + a.length + " and " + b.length);
      }
      int n = a.length;
      double[] d = new double[n];
      double mean = 0;
      for (int i = 0; i < n; i++) {
        d[i] = a[i] - b[i];
        mean += d[i] / n;
      }
      if (samples == 0) {
        return new Bootstrap(mean, Double.NaN, Double.NaN);
      }
      SplittableRandom random = new SplittableRandom(seed);
      double[] means = new double[samples];
      for (int s = 0; s < samples; s++) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
          sum += d[random.nextInt(n)];
        }
        means[s] = sum / n;
      }
      java.util.Arrays.sort(means);
      return new Bootstrap(mean, means[(int) Math.floor(0.025 * (samples - 1))], means[(int) Math.ceil(0.975 * (samples - 1))]);
    }
  }
}
