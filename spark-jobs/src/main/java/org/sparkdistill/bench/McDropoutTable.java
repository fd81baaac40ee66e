package org.sparkdistill.bench;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.method.muka.MukaTeachers;
import org.sparkdistill.stage.PrepareStage;
import org.sparkdistill.stage.StageContext;
import org.sparkdistill.stage.TrainTeacherStage;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;
import org.sparkdistill.udfs.schema.CacheSchemas;
import org.sparkdistill.udfs.schema.Columns;
import org.sparkdistill.udfs.schema.Split;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.transformer.FineTunedSpec;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;
import org.sparkdistill.udfs.uncertainty.DropoutMask;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;
import org.sparkdistill.udfs.uncertainty.Softmax;

/**
 * Issue #10 item 3: how much uncertainty Monte-Carlo dropout sees, and whether it picks the right
 * teacher, when the passes cover the head only, the top N layers or the whole model. Two fine-tuned
 * teachers on label subsets (MUKA's teachers: {@code muka.teachers}, default two contiguous halves
 * of {@code data.labels}) are trained by the project's own {@code train-teacher} stage
 * ({@code teacher.kind: finetune}, outputs {@code <workDir>/train-teacher-<name>}, reused on a
 * rerun); then, in this JVM, each scores the same test texts ({@code rows}, drawn by a seeded hash
 * of the id) once deterministically and with K passes per variant ({@code teacher.finetune.mcLayers}
 * = each of {@code layers}; the masks as {@code score} draws them).
 *
 * <p>Per variant: each teacher's mean BALD mutual information, and the selection accuracy: the
 * share of texts whose more certain teacher (certainty 1 − H(p̄)/ln|Y_k|, as MUKA selects) is one
 * whose label subset holds the true label. The deterministic pass (K = 1, no dropout) is the
 * baseline row; the seconds per variant are measured in the same run. Cost: per teacher and
 * text, 1 + K·N/L forwards for the top N of L layers.
 */
public final class McDropoutTable {
  private static final Logger LOG = LoggerFactory.getLogger(McDropoutTable.class);
  private static final int BATCH = 16;

  private final StageContext context;

  public McDropoutTable(StageContext context) {
    this.context = context;
  }

  /** One row of the table: a variant ({@code layers} = -1 for the deterministic pass). */
  public record Variant(int layers, int passes, double forwardsPerText, double[] meanMutualInformation, double selectionAccuracy, double seconds, double textsPerSecond) {}

  /** What the run measured. */
  public record Result(List<String> teachers, List<List<String>> labels, int rows, int layerCount, double[] withinSubsetAccuracy, List<Variant> variants) {}

  public Result run(int rows, int passes, List<Integer> layers) {
    DistillConfig c = context.config();
    if (passes < 2) {
      throw new IllegalArgumentException("--passes must be >= 2 for MC dropout, got: " + passes);
    }
    new PrepareStage(context).run();
    List<MukaTeachers.Teacher> teachers = MukaTeachers.of(c);
    List<FineTunedSpec> specs = new ArrayList<>();
    for (MukaTeachers.Teacher t : teachers) {
      DistillConfig tc = MukaTeachers.teacherConfig(c, t);
      tc.teacher.kind = TeacherKind.FINETUNE;
      StageContext tctx = context.with(tc);
      new TrainTeacherStage(tctx).run();
      specs.add(FineTuneTeacher.spec(tc, tctx.graph().input(TrainTeacherStage.NAME), t.labels()));
    }
    int layerCount = specs.get(0).meta().shape().layers();
    for (int n : layers) {
      if (n < 0 || n > layerCount) {
        throw new IllegalArgumentException("--layers must be in [0, " + layerCount + "], got: " + layers);
      }
    }
    List<Row> sample =
        context.graph().input(PrepareStage.NAME).read(CacheSchemas.examples())
            .filter(functions.col(Columns.SPLIT).equalTo(Split.TEST.value()).and(functions.col(Columns.LABEL).isin(c.data.labels.toArray())))
            .orderBy(functions.xxhash64(functions.lit(c.score.seed), functions.col(Columns.ID)), functions.col(Columns.ID))
            .limit(rows)
            .select(Columns.ID, Columns.TEXT, Columns.LABEL)
            .collectAsList();
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<String> truth = new ArrayList<>();
    for (Row r : sample) {
      ids.add(r.getString(0));
      texts.add(r.getString(1));
      truth.add(r.getString(2));
    }
    int n = ids.size();
    int k = teachers.size();
    // certainty[variant][teacher][row], mutual information likewise; variant 0 = deterministic
    List<Integer> all = new ArrayList<>();
    all.add(-1);
    all.addAll(layers);
    double[][][] certainty = new double[all.size()][k][n];
    double[][][] mutual = new double[all.size()][k][n];
    double[][] seconds = new double[all.size()][k];
    double[] within = new double[k];
    for (int t = 0; t < k; t++) {
      FineTunedSpec spec = specs.get(t);
      List<String> labels = teachers.get(t).labels();
      int correct = 0;
      int inSubset = 0;
      try (TextTokenizer tokenizer = TextTokenizer.load(spec.tokenizerFile().localPath(), spec.tokenizer());
          FineTunedTeacher teacher = FineTunedTeacher.load(spec.paramsFile().localPath(), spec.meta(), Device.cpu())) {
        for (int v = 0; v < all.size(); v++) {
          int mcLayers = all.get(v);
          long start = System.nanoTime();
          for (int from = 0; from < n; from += BATCH) {
            int to = Math.min(n, from + BATCH);
            long[] keys = new long[to - from];
            for (int i = from; i < to; i++) {
              keys[i - from] = DropoutMask.rowKey(ids.get(i));
            }
            var tokens = tokenizer.tokenize(texts.subList(from, to), ids.subList(from, to));
            FineTunedTeacher.Scored scored = teacher.score(tokens, keys, mcLayers < 0 ? 0 : passes, c.score.seed, Math.max(0, mcLayers));
            for (int i = from; i < to; i++) {
              McDropoutStatistics s = mcLayers < 0 ? McDropoutStatistics.ofSinglePass(Softmax.softmax(scored.logits()[i - from])) : scored.mc().get(i - from);
              certainty[v][t][i] = s.certainty();
              mutual[v][t][i] = s.mutualInformation();
              if (mcLayers < 0 && labels.contains(truth.get(i))) {
                inSubset++;
                correct += labels.get(s.predictedClass()).equals(truth.get(i)) ? 1 : 0;
              }
            }
          }
          seconds[v][t] = (System.nanoTime() - start) / 1e9;
          LOG.info("mc-table: teacher {} variant {}: {} texts in {} s", teachers.get(t).name(), label(mcLayers), n, String.format(Locale.ROOT, "%.1f", seconds[v][t]));
        }
      }
      within[t] = inSubset == 0 ? Double.NaN : (double) correct / inSubset;
    }
    List<Variant> variants = new ArrayList<>();
    List<List<String>> labelSets = new ArrayList<>();
    teachers.forEach(t -> labelSets.add(t.labels()));
    for (int v = 0; v < all.size(); v++) {
      double selection = selectionAccuracy(certainty[v], labelSets, truth);
      double[] mi = new double[k];
      double total = 0;
      for (int t = 0; t < k; t++) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
          sum += mutual[v][t][i];
        }
        mi[t] = sum / n;
        total += seconds[v][t];
      }
      int mcLayers = all.get(v);
      double forwards = mcLayers < 0 ? 1 : 1 + (double) passes * mcLayers / layerCount;
      variants.add(new Variant(mcLayers, mcLayers < 0 ? 1 : passes, forwards, mi, selection, total, (double) n * k / total));
    }
    return new Result(teachers.stream().map(MukaTeachers.Teacher::name).toList(), labelSets, n, layerCount, within, variants);
  }

  /**
   * The share of rows whose most certain teacher ({@code certainty[teacher][row]}, the first on a
   * tie) has the row's true label among its {@code labels}.
   */
  public static double selectionAccuracy(double[][] certainty, List<List<String>> labels, List<String> truth) {
    int right = 0;
    for (int i = 0; i < truth.size(); i++) {
      int best = 0;
      for (int t = 1; t < certainty.length; t++) {
        if (certainty[t][i] > certainty[best][i]) {
          best = t;
        }
      }
      right += labels.get(best).contains(truth.get(i)) ? 1 : 0;
    }
    return (double) right / truth.size();
  }

  private static String label(int mcLayers) {
    return mcLayers < 0 ? "deterministic (no MC)" : mcLayers == 0 ? "head only" : "top " + mcLayers;
  }

  /** The result as a Markdown table. */
  public static String table(Result r) {
    int layerCount = r.layerCount();
    StringBuilder s = new StringBuilder();
    s.append("| MC over | passes | forwards per text (1 + K·N/").append(layerCount).append(") |");
    for (String t : r.teachers()) {
      s.append(" mean MI ").append(t).append(" |");
    }
    s.append(" selection accuracy | seconds (all teachers) | texts/s per teacher |\n|---|---:|---:|");
    s.append("---:|".repeat(r.teachers().size()));
    s.append("---:|---:|---:|\n");
    for (Variant v : r.variants()) {
      String name = v.layers() < 0 ? "nothing (one deterministic pass; baseline)" : v.layers() == 0 ? "the head only" : v.layers() == layerCount ? "the whole model (" + layerCount + " layers + head)" : "the top " + v.layers() + " layer" + (v.layers() > 1 ? "s" : "") + " + head";
      s.append(String.format(Locale.ROOT, "| %s | %d | %.2f |", name, v.passes(), v.forwardsPerText()));
      for (double mi : v.meanMutualInformation()) {
        s.append(String.format(Locale.ROOT, " %.4f |", mi));
      }
      s.append(String.format(Locale.ROOT, " %.4f | %.1f | %.2f |%n", v.selectionAccuracy(), v.seconds(), v.textsPerSecond()));
    }
    return s.toString();
  }

  /** The result as a JSON-ready map. */
  public static Map<String, Object> toMap(Result r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("teachers", r.teachers());
    out.put("labels", r.labels());
    out.put("rows", r.rows());
    out.put("layers", r.layerCount());
    out.put("withinSubsetAccuracy", r.withinSubsetAccuracy());
    out.put("variants", r.variants());
    return out;
  }
}
