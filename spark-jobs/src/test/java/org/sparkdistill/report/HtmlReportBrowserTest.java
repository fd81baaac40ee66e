package org.sparkdistill.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.curve.LearningCurve;
import org.sparkdistill.evaluate.Calibration;
import org.sparkdistill.evaluate.ClassificationMetrics;

/**
 * The report page in a real browser, from figures made by the real metric classes over generated
 * predictions (no Spark): every section, figure and table renders and every image decodes. The
 * screenshot stays in {@code target/report-screenshot-synthetic.png}.
 */
class HtmlReportBrowserTest {
  static final List<String> LABELS = List.of("net", "science", "admin", "games", "text", "sound");

  /** Metrics of a model that is right with probability {@code skill}, over-confident by {@code sharpness}. */
  static Map<String, Object> evaluation(String mode, double skill, double sharpness, long seed) {
    Random r = new Random(seed);
    ClassificationMetrics student = new ClassificationMetrics(LABELS, 15);
    ClassificationMetrics teacher = new ClassificationMetrics(LABELS, 15);
    List<Calibration.LabelledLogits> val = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      int y = r.nextInt(LABELS.size());
      val.add(new Calibration.LabelledLogits(y, logits(r, y, skill, sharpness)));
    }
    Calibration cal = Calibration.fit(val.iterator(), LABELS, 15);
    Calibration teacherCal = Calibration.fit(val.iterator(), LABELS, 15);
    for (int i = 0; i < 600; i++) {
      int y = r.nextInt(LABELS.size());
      float[] z = logits(r, y, skill, sharpness);
      float[] zt = logits(r, y, 0.8, 1.0);
      student.add(y, argmax(z), org.sparkdistill.udfs.uncertainty.Softmax.softmax(z));
      teacher.add(y, argmax(zt), org.sparkdistill.udfs.uncertainty.Softmax.softmax(zt));
      cal.add(y, argmax(z), z);
      teacherCal.add(y, argmax(zt), zt);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("studentMode", mode);
    m.put("testRows", student.labelledCount());
    m.put("student", student.toMap());
    m.put("teacher", teacher.toMap());
    m.put("agreementWithTeacher", 0.7);
    m.put("calibrationBins", 15);
    m.put("calibration", Map.of("teacher", teacherCal.toMap(teacher.expectedCalibrationError()), "student", cal.toMap(student.expectedCalibrationError())));
    m.put("studentParameters", 2_098_516L);
    m.put("teacherParameters", 22_573_588L);
    m.put("studentToTeacherParameters", 2_098_516.0 / 22_573_588);
    m.put("speed", Map.of("teacherRowsPerSecond", 25.1, "studentRowsPerSecond", 33402.0, "speedup", 1332.0, "protocol", "same 128 texts, batch 64"));
    List<Double> edges = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      edges.add(i / 10.0);
    }
    for (int i = 0; i < 10; i++) {
      counts.add((long) (10 + i * i * 3));
    }
    m.put(
        "teacherUncertainty",
        Map.of(
            "mcPasses", 16,
            "certainty", Map.of("edges", edges, "counts", counts),
            "mutualInformation", Map.of("edges", edges.stream().map(e -> e / 10).toList(), "counts", rev(counts)),
            "splits", Map.of("test", Map.of("rows", 600L, "meanCertainty", 0.57, "meanMutualInformation", 0.017))));
    return m;
  }

  private static List<Long> rev(List<Long> l) {
    List<Long> out = new ArrayList<>(l);
    java.util.Collections.reverse(out);
    return out;
  }

  private static float[] logits(Random r, int y, double skill, double sharpness) {
    int predicted = r.nextDouble() < skill ? y : r.nextInt(LABELS.size());
    float[] z = new float[LABELS.size()];
    for (int k = 0; k < z.length; k++) {
      z[k] = (float) (sharpness * (r.nextGaussian() * 0.5 + (k == predicted ? 2.5 : 0)));
    }
    return z;
  }

  private static int argmax(float[] z) {
    int best = 0;
    for (int k = 1; k < z.length; k++) {
      if (z[k] > z[best]) {
        best = k;
      }
    }
    return best;
  }

  static RunReport run() {
    DistillConfig c = new DistillConfig();
    c.data.labels = LABELS;
    Map<String, Map<String, Object>> evaluations = new LinkedHashMap<>();
    evaluations.put("kd", evaluation("kd", 0.7, 2.5, 1));
    evaluations.put("labels", evaluation("labels", 0.55, 3.0, 2));
    List<LearningCurve.Cell> cells = new ArrayList<>();
    for (int b : List.of(10, 25, 50)) {
      for (long s = 1; s <= 3; s++) {
        cells.add(new LearningCurve.Cell("head", b, s, 0.6 + b / 500.0 + s / 300.0, 0.4 + b / 200.0 - s / 200.0, 0.62 + b / 450.0 + s / 400.0, Double.NaN, Double.NaN, Double.NaN, Double.NaN));
      }
    }
    List<StageTimes.Entry> stages =
        List.of(
            new StageTimes.Entry("prepare", "prepare", 16.5, 12269, "2026-11-22T10:00:00Z"),
            new StageTimes.Entry("encode", "encode", 216, 12269, "2026-11-22T10:04:00Z"),
            new StageTimes.Entry("train-student", "student-kd", 40, 0, "2026-11-22T10:05:00Z"));
    return new RunReport(c, evaluations, cells, stages);
  }

  @Test
  void everyFigureAndTableRendersInChromium() throws Exception {
    RunReport run = run();
    List<ReportSection> sections = ReportSections.all(run);
    List<String> figures = sections.stream().flatMap(s -> s.figures().stream()).map(Figure::id).toList();
    int tables = sections.stream().mapToInt(s -> s.tables().size()).sum();
    assertThat(figures)
        .contains("quality", "kd-per-class", "learning-curve", "reliability-teacher", "reliability-kd", "reliability-labels", "confusion", "hist-certainty", "hist-mutual-information", "speed", "stage-times");
    Path dir = Paths.get("target", "report-test");
    Files.createDirectories(dir);
    Path page = dir.resolve("report.html");
    Files.writeString(page, HtmlReports.render("Synthetic run", run), StandardCharsets.UTF_8);
    String dom = ReportPageCheck.check(page, figures, tables, Paths.get("target", "report-screenshot-synthetic.png"));
    assertThat(dom).contains("Learning curve").contains("Calibration").contains("Teacher uncertainty").contains("Stage times");
  }
}
