package org.sparkdistill.report;

import static org.sparkdistill.report.Figures.count;
import static org.sparkdistill.report.Figures.f1;
import static org.sparkdistill.report.Figures.f3;
import static org.sparkdistill.report.Figures.f4;
import static org.sparkdistill.report.Figures.list;
import static org.sparkdistill.report.Figures.map;
import static org.sparkdistill.report.Figures.num;
import static org.sparkdistill.report.Figures.signed;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.curve.LearningCurve;
import org.sparkdistill.evaluate.MeanStd;

/**
 * The standard sections of a run report, in reading order: test quality, the method's own
 * section ({@link MethodSections}), the learning curve, calibration, the confusion matrix, the
 * teacher's uncertainty, size and speed, and the stage times. Each section shows its numbers in a
 * table beside its figure.
 */
public final class ReportSections {
  private ReportSections() {}

  /** Every section the run has figures for. */
  public static List<ReportSection> all(RunReport run) {
    List<ReportSection> out = new ArrayList<>();
    out.add(quality(run));
    out.addAll(MethodSections.of(run));
    if (!run.curve().isEmpty()) {
      out.add(learningCurve(run.curve()));
    }
    out.add(calibration(run));
    out.add(confusion(run));
    if (!map(run.primary(), "teacherUncertainty").isEmpty()) {
      out.add(uncertainty(run.primary()));
    }
    out.add(sizeAndSpeed(run.primary()));
    if (!run.stages().isEmpty()) {
      out.add(stageTimes(run.stages()));
    }
    return out;
  }

  /** The headline figures for the page header. */
  public static Map<String, String> facts(RunReport run) {
    Map<String, Object> m = run.primary();
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("teacher accuracy", f4(num(m, "teacher", "accuracy")));
    for (Map.Entry<String, Map<String, Object>> e : run.evaluations().entrySet()) {
      facts.put(studentName(e.getKey()) + " accuracy", f4(num(e.getValue(), "student", "accuracy")));
    }
    double ratio = num(m, "studentToTeacherParameters");
    if (!Double.isNaN(ratio)) {
      facts.put("student / teacher parameters", f3(ratio));
    }
    double speedup = num(m, "speed", "speedup");
    if (!Double.isNaN(speedup)) {
      facts.put("student speed-up", String.format(Locale.ROOT, "%,.0fx", speedup));
    }
    facts.put("test rows", count(num(m, "testRows")));
    long invalid = run.stages().stream().mapToLong(StageTimes.Entry::invalidRows).sum();
    if (invalid > 0) {
      facts.put("invalid rows skipped", count(invalid) + " (prepare's _quarantine/)");
    }
    return facts;
  }

  static String studentName(String mode) {
    return switch (mode) {
      case "kd" -> "KD student";
      case "labels" -> "labels-only student";
      default -> mode + " student";
    };
  }

  static Color color(String mode) {
    return mode.equals("labels") ? Charts.LABELS : Charts.KD;
  }

  static ReportSection quality(RunReport run) {
    Map<String, Object> first = run.primary();
    Table.Builder t = Table.builder("Test split (" + count(num(first, "testRows")) + " labelled rows)", "model", "parameters", "accuracy", "macro-F1", "ECE", "agreement with teacher");
    t.row("teacher", count(num(first, "teacherParameters")), f4(num(first, "teacher", "accuracy")), f4(num(first, "teacher", "macroF1")), f4(num(first, "teacher", "ece")), "1");
    List<String> categories = List.of("accuracy", "macro-F1", "agreement with teacher");
    List<Charts.Bars> bars = new ArrayList<>();
    bars.add(new Charts.Bars("teacher", Charts.TEACHER, List.of(num(first, "teacher", "accuracy"), num(first, "teacher", "macroF1"), 1.0)));
    for (Map.Entry<String, Map<String, Object>> e : run.evaluations().entrySet()) {
      Map<String, Object> m = e.getValue();
      t.row(studentName(e.getKey()), count(num(m, "studentParameters")), f4(num(m, "student", "accuracy")), f4(num(m, "student", "macroF1")), f4(num(m, "student", "ece")), f4(num(m, "agreementWithTeacher")));
      bars.add(new Charts.Bars(studentName(e.getKey()), color(e.getKey()), List.of(num(m, "student", "accuracy"), num(m, "student", "macroF1"), num(m, "agreementWithTeacher"))));
    }
    byte[] png = Charts.bars("Test quality", "", "", categories, bars, true, 0);
    return ReportSection.of(
        "Test quality",
        "Teacher and students on the held-out test split. ECE is the expected calibration error over "
            + (int) num(first, "calibrationBins") + " equal-width confidence bins (0 is perfectly calibrated). Settings were chosen on validation only.",
        List.of(t.build()),
        List.of(new Figure("quality", "Accuracy, macro-F1 and agreement with the teacher on the test split", png)));
  }

  static ReportSection learningCurve(List<LearningCurve.Cell> cells) {
    List<Integer> budgets = cells.stream().map(LearningCurve.Cell::labelsPerClass).distinct().sorted().toList();
    List<String> kinds = LearningCurve.kinds(cells);
    boolean several = kinds.size() > 1;
    double[] x = budgets.stream().mapToDouble(Integer::doubleValue).toArray();
    List<String> columns = new ArrayList<>(List.of("labels/class", "seeds", "teacher", "labels-only student", "KD student", "KD / teacher", "KD − labels-only"));
    if (several) {
      columns.add(0, "teacher kind");
    }
    Table.Builder t = Table.builder("Test accuracy, mean ± std over seeds", columns.toArray(String[]::new));
    List<Charts.Line> lines = new ArrayList<>();
    double[][] labelsLine = null;
    for (String kind : kinds) {
      double[][] mean = new double[3][budgets.size()];
      double[][] spread = new double[3][budgets.size()];
      for (double[] m : mean) {
        java.util.Arrays.fill(m, Double.NaN);
      }
      for (LearningCurve.Row r : LearningCurve.rows(cells)) {
        if (!r.teacherKind().equals(kind)) {
          continue;
        }
        int i = budgets.indexOf(r.labelsPerClass());
        MeanStd[] ms = {r.teacher(), r.labelsOnly(), r.kd()};
        for (int k = 0; k < 3; k++) {
          mean[k][i] = ms[k].mean();
          spread[k][i] = Double.isNaN(ms[k].std()) ? 0 : ms[k].std();
        }
        List<String> cellsOfRow = new ArrayList<>(List.of(String.valueOf(r.labelsPerClass()), String.valueOf(r.cells().size()), ms[0].format(), ms[1].format(), ms[2].format(),
            LearningCurve.share(ms[2].mean(), ms[0].mean()), signed(ms[2].mean() - ms[1].mean())));
        if (several) {
          cellsOfRow.add(0, kind);
        }
        t.row(cellsOfRow.toArray(String[]::new));
      }
      boolean firstKind = kind.equals(kinds.get(0));
      String suffix = several ? " (" + kind + " teacher)" : "";
      lines.add(new Charts.Line("teacher" + suffix, Charts.TEACHER, x, mean[0], spread[0], !firstKind));
      lines.add(new Charts.Line("KD student" + suffix, Charts.KD, x, mean[2], spread[2], !firstKind));
      if (firstKind) {
        labelsLine = new double[][] {mean[1], spread[1]};
      }
    }
    lines.add(new Charts.Line("labels-only student", Charts.LABELS, x, labelsLine[0], labelsLine[1], false));
    byte[] png = Charts.lines("Learning curve", "labelled texts per class", "test accuracy", lines, null, null);
    List<String> cellColumns = new ArrayList<>(List.of("labels/class", "seed", "teacher", "labels-only", "KD"));
    if (several) {
      cellColumns.add(0, "teacher kind");
    }
    Table.Builder cellTable = Table.builder("Every cell", cellColumns.toArray(String[]::new));
    for (LearningCurve.Cell c : cells) {
      List<String> row = new ArrayList<>(List.of(String.valueOf(c.labelsPerClass()), String.valueOf(c.seed()), f4(c.teacher()), f4(c.labelsOnly()), f4(c.kd())));
      if (several) {
        row.add(0, c.teacherKind());
      }
      cellTable.row(row.toArray(String[]::new));
    }
    int top = budgets.get(budgets.size() - 1);
    return ReportSection.of(
        "Learning curve",
        "What distillation buys as labels get scarce: each budget and seed relabels the pool and retrains teacher head and students; test and validation stay fixed. Error bars are one standard deviation over seeds. "
            + (several ? "Each teacher kind (" + String.join(", ", kinds) + "; later kinds dashed) is trained on the same splits, with a KD student distilled from each; the labels-only student does not depend on the teacher. " : "")
            + String.join(" ", LearningCurve.verdict(cells, top)),
        List.of(t.build(), cellTable.build()),
        List.of(new Figure("learning-curve", "Test accuracy against labelled texts per class (mean ± std over seeds)", png)));
  }

  static ReportSection calibration(RunReport run) {
    Map<String, Object> first = run.primary();
    List<Figure> figures = new ArrayList<>();
    Table.Builder t = Table.builder("Temperature scaling fitted on validation, ECE on test", "model", "temperature T", "validation NLL before", "after", "test ECE before", "after");
    Map<String, Object> teacherCal = map(first, "calibration", "teacher");
    figures.add(reliabilityFigure("reliability-teacher", "teacher", Charts.TEACHER, list(first, "teacher", "reliability"), list(teacherCal, "reliabilityAfter")));
    row(t, "teacher", teacherCal, num(first, "teacher", "ece"));
    for (Map.Entry<String, Map<String, Object>> e : run.evaluations().entrySet()) {
      Map<String, Object> m = e.getValue();
      Map<String, Object> cal = map(m, "calibration", "student");
      figures.add(reliabilityFigure("reliability-" + e.getKey(), studentName(e.getKey()), color(e.getKey()), list(m, "student", "reliability"), list(cal, "reliabilityAfter")));
      row(t, studentName(e.getKey()), cal, num(m, "student", "ece"));
    }
    return ReportSection.of(
        "Calibration",
        "Reliability diagrams: accuracy against confidence per confidence bin on the test split; points below the diagonal are over-confident. "
            + "Temperature scaling divides the logits by one T fitted by NLL on the validation split; it changes no prediction, only confidence.",
        List.of(t.build()),
        figures);
  }

  private static void row(Table.Builder t, String name, Map<String, Object> cal, double eceBefore) {
    t.row(name, f3(num(cal, "temperature")), f4(num(cal, "nllBefore")), f4(num(cal, "nllAfter")), f4(eceBefore), f4(num(cal, "eceAfter")));
  }

  private static Figure reliabilityFigure(String id, String name, Color color, List<Map<String, Object>> before, List<Map<String, Object>> after) {
    List<Charts.Line> curves = new ArrayList<>();
    curves.add(curve(name + " (raw)", color, before, false));
    if (!after.isEmpty()) {
      curves.add(curve(name + " (temperature-scaled)", Charts.GOOD, after, false));
    }
    return new Figure(id, "Reliability diagram of the " + name + " on the test split", Charts.reliability("Reliability: " + name, curves));
  }

  private static Charts.Line curve(String name, Color color, List<Map<String, Object>> bins, boolean dashed) {
    double[] x = bins.stream().mapToDouble(b -> num(b, "confidence")).toArray();
    double[] y = bins.stream().mapToDouble(b -> num(b, "accuracy")).toArray();
    if (x.length == 0) {
      x = new double[] {0};
      y = new double[] {0};
    }
    return new Charts.Line(name, color, x, y, null, dashed);
  }

  static ReportSection confusion(RunReport run) {
    Map.Entry<String, Map<String, Object>> e = run.evaluations().entrySet().iterator().next();
    Map<String, Object> m = e.getValue();
    List<String> labels = run.config().data.labels.isEmpty() ? new ArrayList<>(map(m, "student", "perClass").keySet()) : run.config().data.labels;
    List<List<Number>> raw = list(m, "student", "confusion");
    List<List<Long>> matrix = new ArrayList<>();
    for (List<Number> r : raw) {
      matrix.add(r.stream().map(Number::longValue).toList());
    }
    List<Figure> figures = new ArrayList<>();
    if (matrix.size() == labels.size() && !matrix.isEmpty()) {
      figures.add(new Figure("confusion", "Confusion matrix of the " + studentName(e.getKey()) + " on the test split (counts)", Charts.confusion("Confusion matrix: " + studentName(e.getKey()), labels, matrix), labels.size() > 8));
    }
    record Pair(String truth, String predicted, long n, long support) {}
    List<Pair> pairs = new ArrayList<>();
    for (int i = 0; i < matrix.size(); i++) {
      long support = matrix.get(i).stream().mapToLong(Long::longValue).sum();
      for (int j = 0; j < matrix.size(); j++) {
        if (i != j && matrix.get(i).get(j) > 0) {
          pairs.add(new Pair(labels.get(i), labels.get(j), matrix.get(i).get(j), support));
        }
      }
    }
    pairs.sort(Comparator.comparingLong(Pair::n).reversed());
    Table.Builder t = Table.builder("Most frequent confusions", "true class → predicted", "rows", "share of the true class");
    for (Pair p : pairs.subList(0, Math.min(10, pairs.size()))) {
      t.row(p.truth() + " → " + p.predicted(), count(p.n()), f3((double) p.n() / p.support()));
    }
    Table.Builder perClass = Table.builder("Per class", "class", "support", "precision", "recall", "F1");
    Map<String, Object> pc = map(m, "student", "perClass");
    for (String label : labels) {
      Map<String, Object> c = map(pc, label);
      perClass.row(label, count(num(c, "support")), f3(num(c, "precision")), f3(num(c, "recall")), f3(num(c, "f1")));
    }
    return ReportSection.of(
        "Confusion matrix",
        "Rows are the true class, columns the " + studentName(e.getKey()) + "'s prediction; the diagonal holds the correct predictions.",
        List.of(t.build(), perClass.build()),
        figures);
  }

  static ReportSection uncertainty(Map<String, Object> m) {
    Map<String, Object> u = map(m, "teacherUncertainty");
    List<Figure> figures = new ArrayList<>();
    figures.add(histogramFigure("hist-certainty", "Teacher certainty 1 − H(p̄)/log C over every cached row", "certainty", map(u, "certainty"), Charts.TEACHER));
    figures.add(histogramFigure("hist-mutual-information", "Mutual information H(p̄) − mean H(p_k) over every cached row (epistemic uncertainty)", "mutual information (nats)", map(u, "mutualInformation"), Charts.KD));
    Table.Builder t = Table.builder("Per split, from the score cache (K = " + (int) num(u, "mcPasses") + " MC-dropout passes)", "split", "rows", "mean certainty", "mean mutual information");
    Map<String, Object> splits = map(u, "splits");
    for (String split : splits.keySet()) {
      Map<String, Object> s = map(splits, split);
      t.row(split, count(num(s, "rows")), f4(num(s, "meanCertainty")), f4(num(s, "meanMutualInformation")));
    }
    return ReportSection.of(
        "Teacher uncertainty",
        "Distributions of the teacher's Monte-Carlo-dropout uncertainty over the whole teacher cache. Certainty near 1 is a confident teacher; high mutual information marks rows where the dropout passes disagree.",
        List.of(t.build()),
        figures);
  }

  private static Figure histogramFigure(String id, String caption, String axis, Map<String, Object> h, Color color) {
    double[] edges = Figures.<Number>list(h, "edges").stream().mapToDouble(Number::doubleValue).toArray();
    long[] counts = Figures.<Number>list(h, "counts").stream().mapToLong(Number::longValue).toArray();
    if (edges.length != counts.length + 1 || counts.length == 0) {
      edges = new double[] {0, 1};
      counts = new long[] {0};
    }
    return new Figure(id, caption, Charts.histogram(axis, axis, edges, counts, color));
  }

  static ReportSection sizeAndSpeed(Map<String, Object> m) {
    Table.Builder t = Table.builder("Size and throughput", "figure", "teacher", "student", "student / teacher");
    t.row("parameters", count(num(m, "teacherParameters")), count(num(m, "studentParameters")), f3(num(m, "studentToTeacherParameters")));
    double teacherSpeed = num(m, "speed", "teacherRowsPerSecond");
    double studentSpeed = num(m, "speed", "studentRowsPerSecond");
    t.row("texts per second", f1(teacherSpeed), f1(studentSpeed), Double.isNaN(teacherSpeed) ? "n/a" : String.format(Locale.ROOT, "%,.0fx", studentSpeed / teacherSpeed));
    List<Figure> figures = new ArrayList<>();
    if (!Double.isNaN(teacherSpeed)) {
      byte[] png =
          Charts.bars(
              "Throughput (texts/s, log10)", "", "log10 texts per second",
              List.of("teacher", "student"),
              List.of(new Charts.Bars("log10 texts/s", Charts.KD, List.of(Math.log10(Math.max(teacherSpeed, 1e-3)), Math.log10(Math.max(studentSpeed, 1e-3))))),
              false, 0);
      figures.add(new Figure("speed", "Throughput of teacher and student under the same protocol (log10 scale)", png));
    }
    Object protocol = Figures.at(m, "speed", "protocol");
    return ReportSection.of(
        "Size and speed",
        protocol == null ? "Speed not measured in this run (evaluate.speed: false, or a TorchScript teacher)." : "Protocol: " + protocol,
        List.of(t.build()),
        figures);
  }

  public static ReportSection stageTimes(List<StageTimes.Entry> stages) {
    Table.Builder t = Table.builder("Per stage, from the manifests", "stage (output)", "seconds", "rows", "rows/s", "published");
    List<String> names = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    for (StageTimes.Entry e : stages) {
      String name = e.stage().equals(e.output()) ? e.stage() : e.stage() + " (" + e.output() + ")";
      t.row(name, f1(e.seconds()), e.rows() > 0 ? count(e.rows()) : "", f1(e.rowsPerSecond()), e.createdAt() == null ? "" : e.createdAt().replace('T', ' ').replaceAll("\\.\\d+Z$", "Z"));
      names.add(e.output());
      seconds.add(Double.isNaN(e.seconds()) ? 0 : e.seconds());
    }
    byte[] png = Charts.bars("Wall time per stage", "", "seconds", names, List.of(new Charts.Bars("seconds", Charts.TEACHER, seconds)), false, 35);
    return ReportSection.of(
        "Stage times",
        "Wall time of the run that published each output (a stage skipped now shows the time it took when it ran) and rows written per second.",
        List.of(t.build()),
        List.of(new Figure("stage-times", "Wall time per stage", png)));
  }
}
