package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.evaluate.MeanStd;
import org.sparkdistill.report.Charts;
import org.sparkdistill.report.Figure;
import org.sparkdistill.report.ReportSection;
import org.sparkdistill.report.RunReport;
import org.sparkdistill.report.Table;

/**
 * MUKA's section of the run report. In a single cell's report ({@code targets.method: muka},
 * through {@code MukaMethod.Factory#reportSection}) it shows the cell's MUKA settings; in the {@code muka}
 * command's report ({@link MukaReportStage}) it renders the comparison from its machine-readable
 * results ({@link MukaResults}, {@code comparison.json}): every student variant's test accuracy,
 * macro-F1, validation accuracy and teacher-selection accuracy (mean ± std over seeds), the choice
 * of hard vs soft on validation, each teacher's accuracy within its own labels, the selection
 * accuracy with MC vs {@code no_mc} (and their paired per-seed difference), the MC passes' cost and
 * the verdict against concat-KD and UHC. Reads finished numbers only (no Spark job).
 */
public final class MukaReportSection {
  /** The section's heading (the {@code muka} report replaces a cell's settings-only section by the full one). */
  public static final String TITLE = "MUKA";

  private MukaReportSection() {}

  /** The settings-only section of one cell's report. */
  public static ReportSection of(RunReport run) {
    return ReportSection.of(
        TITLE,
        "One student over the union of several teachers' label subsets, trained without labels on the teachers' uncertainty-selected distributions."
            + " The comparison of every variant over seeds is in the muka command's report (its muka-report output).",
        List.of(settings(run.config())),
        List.of());
  }

  static Table settings(DistillConfig c) {
    DistillConfig.MukaSettings m = c.muka;
    Table.Builder t = Table.builder("MUKA settings", "setting", "value");
    t.row("muka.variant", m.variant)
        .row("muka.uncertainty", m.uncertainty)
        .row("muka.selection", m.selection)
        .row("muka.selectionTemperature", String.valueOf(m.selectionTemperature))
        .row("muka.reweight (r = |u_top1 − u_top2| + ε)", String.valueOf(m.reweight))
        .row("muka.epsilon", String.valueOf(m.epsilon))
        .row("muka.kdTemperature (concat-KD)", String.valueOf(m.kdTemperature))
        .row("score.mcPasses K", String.valueOf(c.score.mcPasses));
    for (MukaTeachers.Teacher teacher : MukaTeachers.of(c)) {
      t.row("teacher " + teacher.name() + " (" + teacher.precision() + ")", teacher.labels().size() + ": " + String.join(", ", teacher.labels()));
    }
    return t.build();
  }

  /** The full section of the {@code muka} command's report, from {@code comparison} ({@link MukaResults#toJson}). */
  @SuppressWarnings("unchecked")
  public static ReportSection of(DistillConfig c, Map<String, Object> comparison) {
    List<Map<String, Object>> variants = (List<Map<String, Object>>) comparison.get("variants");
    List<Map<String, Object>> cells = (List<Map<String, Object>>) comparison.get("cells");
    List<Map<String, Object>> teachers = (List<Map<String, Object>>) comparison.get("teachers");
    List<Map<String, Object>> seedTeachers = (List<Map<String, Object>>) comparison.get("seedTeachers");
    List<Long> seeds = cells.stream().map(x -> ((Number) x.get("seed")).longValue()).distinct().toList();
    int union = c.data.labels.size();
    int mcPasses = ((Number) comparison.getOrDefault("mcPasses", c.score.mcPasses)).intValue();

    Table.Builder main =
        Table.builder(
            String.format(Locale.ROOT, "Students over the union of %d labels, test split, mean ± std over %d seeds (%d pool texts without labels; %d validation labels)",
                union, seeds.size(), number(comparison, "studentRows").longValue(), number(comparison, "validationLabels").longValue()),
            "student", "seeds", "test accuracy", "test macro-F1", "validation accuracy", "teacher selection accuracy (test)");
    List<String> names = new ArrayList<>();
    List<Double> means = new ArrayList<>();
    for (Map<String, Object> v : variants) {
      String name = (String) v.get("name");
      List<Map<String, Object>> row = cells.stream().filter(x -> name.equals(x.get("variant"))).toList();
      if (row.isEmpty()) {
        continue;
      }
      MeanStd test = stat(row, "testAccuracy");
      main.row((String) v.get("description"), String.valueOf(row.size()), fmt(test), fmt(stat(row, "testMacroF1")), fmt(stat(row, "validationAccuracy")),
          Boolean.TRUE.equals(v.get("selects")) ? fmt(stat(row, "selectionAccuracy")) : "");
      if (test != null) {
        names.add(name);
        means.add(test.mean());
      }
    }
    // hard vs soft, chosen per seed on validation (a tie keeps soft)
    List<Double> chosen = new ArrayList<>();
    List<Double> chosenF1 = new ArrayList<>();
    List<String> picks = new ArrayList<>();
    for (long seed : seeds) {
      Map<String, Object> soft = cell(cells, seed, "muka");
      Map<String, Object> hard = cell(cells, seed, "muka-hard");
      if (soft != null && hard != null && finite(soft, "validationAccuracy") && finite(hard, "validationAccuracy") && finite(soft, "testAccuracy") && finite(hard, "testAccuracy")) {
        Map<String, Object> pick = number(hard, "validationAccuracy").doubleValue() > number(soft, "validationAccuracy").doubleValue() ? hard : soft;
        chosen.add(number(pick, "testAccuracy").doubleValue());
        chosenF1.add(finite(pick, "testMacroF1") ? number(pick, "testMacroF1").doubleValue() : Double.NaN);
        picks.add((String) pick.get("variant"));
      }
    }
    if (!chosen.isEmpty()) {
      main.row("MUKA, hard/soft chosen on validation (" + String.join(", ", picks) + ")", String.valueOf(chosen.size()), fmt(of(chosen)), fmt(of(chosenF1)), "", "");
    }

    Table.Builder teacherTable =
        Table.builder("Teachers: test accuracy within their own labels, mean ± std over seeds", "teacher", "labels", "encoder", "accuracy within its labels", "mean mutual information (MC)");
    for (Map<String, Object> t : teachers) {
      String name = (String) t.get("name");
      List<String> labels = (List<String>) t.get("labels");
      teacherTable.row(name, labels.size() + ": " + String.join(", ", labels), String.valueOf(t.get("precision")),
          fmt(of(perSeed(seedTeachers, "withinSubset", name))), fmt(of(perSeed(seedTeachers, "meanMutualInformation", name)), 4));
    }
    teacherTable.row("union teacher (reference, all " + union + " labels)", "", "", fmt(of(seedTeachers.stream().map(s -> asDouble(s.get("unionTeacher"))).toList())), "");

    Table.Builder selection = Table.builder("Teacher selection accuracy (test): how often the selected teacher's labels hold the true label", "certainty from", "seeds", "selection accuracy", "per seed");
    List<Double> mc = new ArrayList<>();
    List<Double> noMc = new ArrayList<>();
    List<Double> diff = new ArrayList<>();
    for (long seed : seeds) {
      Map<String, Object> a = cell(cells, seed, "muka");
      Map<String, Object> b = cell(cells, seed, "no-mc");
      if (a != null && finite(a, "selectionAccuracy")) {
        mc.add(number(a, "selectionAccuracy").doubleValue());
      }
      if (b != null && finite(b, "selectionAccuracy")) {
        noMc.add(number(b, "selectionAccuracy").doubleValue());
      }
      if (a != null && b != null && finite(a, "selectionAccuracy") && finite(b, "selectionAccuracy")) {
        diff.add(number(a, "selectionAccuracy").doubleValue() - number(b, "selectionAccuracy").doubleValue());
      }
    }
    selection.row("MC (K = " + mcPasses + " dropout passes)", String.valueOf(mc.size()), fmt(of(mc)), join(mc));
    selection.row("no_mc (one deterministic pass)", String.valueOf(noMc.size()), fmt(of(noMc)), join(noMc));
    selection.row("MC − no_mc (paired by seed)", String.valueOf(diff.size()), fmt(of(diff)), join(diff));

    Table.Builder cost = Table.builder("Cost of the MC passes: score stage seconds per teacher, mean over seeds", "teacher", "K = " + mcPasses + " passes", "one pass", "extra");
    for (Map<String, Object> t : teachers) {
      String name = (String) t.get("name");
      List<Double> k = new ArrayList<>();
      List<Double> one = new ArrayList<>();
      for (Map<String, Object> s : seedTeachers) {
        Map<String, Object> pair = (Map<String, Object>) ((Map<String, Object>) s.getOrDefault("scoreSeconds", Map.of())).get(name);
        if (pair != null && pair.get("mc") != null && pair.get("onePass") != null) {
          k.add(asDouble(pair.get("mc")));
          one.add(asDouble(pair.get("onePass")));
        }
      }
      MeanStd km = of(k);
      MeanStd om = of(one);
      cost.row(name, km == null ? "-" : String.format(Locale.ROOT, "%.1f s", km.mean()), om == null ? "-" : String.format(Locale.ROOT, "%.1f s", om.mean()),
          km == null || om == null ? "-" : String.format(Locale.ROOT, "%+.1f s", km.mean() - om.mean()));
    }
    Object encode = comparison.get("encodeSeconds");
    if (encode instanceof Map<?, ?> encodes) {
      encodes.forEach((name, seconds) -> cost.row(name + " (run once, shared by the teachers on its encoder)", "", String.format(Locale.ROOT, "%.1f s", asDouble(seconds)), ""));
    } else if (encode != null) { // results written before each encoder had its own entry
      cost.row("encode (shared by every teacher, run once)", "", String.format(Locale.ROOT, "%.1f s", asDouble(encode)), "");
    }

    StringBuilder intro = new StringBuilder("Several teachers, each trained on its own label subset; one student over the union, trained on the pool texts without their labels."
        + " Validation labels serve early stopping and the hard/soft choice only; test labels only this evaluation.");
    for (String baseline : List.of("concat-kd", "uhc")) {
      List<Map<String, Object>> m = cells.stream().filter(x -> "muka".equals(x.get("variant"))).toList();
      List<Map<String, Object>> b = cells.stream().filter(x -> baseline.equals(x.get("variant"))).toList();
      MeanStd ms = stat(m, "testAccuracy");
      MeanStd bs = stat(b, "testAccuracy");
      if (ms != null && bs != null && ms.n() > 1 && bs.n() > 1) {
        double margin = ms.std() + bs.std();
        double d = ms.mean() - bs.mean();
        intro.append(String.format(Locale.ROOT, " MUKA (MC, soft, re-weighted) vs %s: %+.3f test accuracy, sum of the two stds %.3f: %s.",
            baseline.equals("uhc") ? "UHC" : "concat-KD", d, margin, d > margin ? "beats it by more than the sum" : "does not beat it by more than the sum"));
      }
    }
    intro.append(' ').append(caveat(c, of(mc), of(noMc), allMutualInformation(seedTeachers)));

    List<Figure> figures = new ArrayList<>();
    if (!names.isEmpty()) {
      byte[] png = Charts.bars("Test accuracy, mean over seeds", "", "test accuracy", names, List.of(new Charts.Bars("test accuracy", Charts.KD, means)), false, 35);
      figures.add(new Figure("muka-comparison", "Test accuracy of every MUKA variant and baseline (mean over seeds; the spread is in the table)", png));
    }
    return ReportSection.of(TITLE, intro.toString(), List.of(main.build(), teacherTable.build(), selection.build(), cost.build(), settings(c)), figures);
  }

  /** What the MC certainty covers, and so what MC vs no_mc can show. */
  static String caveat(DistillConfig c, MeanStd mc, MeanStd noMc, List<Double> mutualInformation) {
    MeanStd mi = of(mutualInformation);
    String spread = mi == null ? "" : String.format(Locale.ROOT, " (mean mutual information %.4f)", mi.mean());
    if (c.teacher.kind == TeacherKind.HEAD) {
      return "Caveat: the teachers are the frozen ONNX encoder with a dropout/linear head, and the exported encoder graph has no dropout, so the MC passes cover the head only"
          + spread + ": the MC certainty is close to the deterministic one, and MC vs no_mc selection does not test whole-model MC.";
    }
    return "The MC passes run through the whole teacher (teacher.kind " + c.teacher.kind + ")" + spread + ".";
  }

  @SuppressWarnings("unchecked")
  private static List<Double> allMutualInformation(List<Map<String, Object>> seedTeachers) {
    List<Double> out = new ArrayList<>();
    for (Map<String, Object> s : seedTeachers) {
      for (Object v : ((Map<String, Object>) s.getOrDefault("meanMutualInformation", Map.of())).values()) {
        if (v != null) {
          out.add(asDouble(v));
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Double> perSeed(List<Map<String, Object>> seedTeachers, String key, String teacher) {
    List<Double> out = new ArrayList<>();
    for (Map<String, Object> s : seedTeachers) {
      Object v = ((Map<String, Object>) s.getOrDefault(key, new LinkedHashMap<>())).get(teacher);
      if (v != null) {
        out.add(asDouble(v));
      }
    }
    return out;
  }

  private static Map<String, Object> cell(List<Map<String, Object>> cells, long seed, String variant) {
    return cells.stream().filter(x -> ((Number) x.get("seed")).longValue() == seed && variant.equals(x.get("variant"))).findFirst().orElse(null);
  }

  /** Mean ± std of {@code key} over {@code row}; null when a value is missing. */
  private static MeanStd stat(List<Map<String, Object>> row, String key) {
    List<Double> values = new ArrayList<>();
    for (Map<String, Object> x : row) {
      if (!finite(x, key)) {
        return null;
      }
      values.add(number(x, key).doubleValue());
    }
    return of(values);
  }

  private static MeanStd of(List<Double> values) {
    if (values.isEmpty() || values.stream().anyMatch(v -> !Double.isFinite(v))) {
      return null;
    }
    return MeanStd.of(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static boolean finite(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n && Double.isFinite(n.doubleValue());
  }

  private static Number number(Map<String, Object> m, String key) {
    return m.get(key) instanceof Number n ? n : Double.NaN;
  }

  private static double asDouble(Object v) {
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static String fmt(MeanStd m) {
    return m == null ? "-" : m.format();
  }

  private static String fmt(MeanStd m, int decimals) {
    if (m == null) {
      return "-";
    }
    String f = "%." + decimals + "f";
    return m.n() == 1 ? String.format(Locale.ROOT, f + " (n=1)", m.mean()) : String.format(Locale.ROOT, f + " ± " + f, m.mean(), m.std());
  }

  private static String join(List<Double> values) {
    return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.4f", v)).toList());
  }
}
