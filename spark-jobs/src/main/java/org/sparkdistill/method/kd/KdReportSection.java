package org.sparkdistill.method.kd;

import static org.sparkdistill.report.Figures.f3;
import static org.sparkdistill.report.Figures.map;
import static org.sparkdistill.report.Figures.num;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.report.Charts;
import org.sparkdistill.report.Figure;
import org.sparkdistill.report.ReportSection;
import org.sparkdistill.report.RunReport;
import org.sparkdistill.report.Table;

/**
 * KD's section of the run report: its settings, and per class the F1 of the KD student beside the
 * labels-only student and the teacher, which shows where the teacher's soft targets on the
 * transfer split helped.
 */
public final class KdReportSection {
  private KdReportSection() {}

  public static ReportSection of(RunReport run) {
    DistillConfig c = run.config();
    Table settings =
        Table.builder("Knowledge distillation (Hinton et al.)", "setting", "value")
            .row("targets.temperature T", String.format(Locale.ROOT, "%.2f", c.targets.temperature))
            .row("student.alpha (weight of CE on labels)", String.format(Locale.ROOT, "%.2f", c.student.alpha))
            .row("loss", "α·CE(label) + (1 − α)·T²·KL(target ‖ softmax(s/T))")
            .row("labelled texts per class", String.valueOf(c.data.split.labelledPerClass))
            .build();
    Map<String, Object> kd = run.evaluation("kd");
    Map<String, Object> labels = run.evaluation("labels");
    List<Figure> figures = new ArrayList<>();
    List<Table> tables = new ArrayList<>(List.of(settings));
    if (kd != null) {
      Map<String, Object> kdClasses = map(kd, "student", "perClass");
      List<String> names = new ArrayList<>(kdClasses.keySet());
      List<Double> teacherF1 = new ArrayList<>();
      List<Double> kdF1 = new ArrayList<>();
      List<Double> labelsF1 = new ArrayList<>();
      Table.Builder t = Table.builder("Per-class F1 on the test split", "class", "teacher", "KD student", "labels-only student", "KD − labels-only");
      for (String name : names) {
        double te = num(kd, "teacher", "perClass", name, "f1");
        double k = num(kd, "student", "perClass", name, "f1");
        double l = labels == null ? Double.NaN : num(labels, "student", "perClass", name, "f1");
        teacherF1.add(Double.isNaN(te) ? 0 : te);
        kdF1.add(Double.isNaN(k) ? 0 : k);
        labelsF1.add(Double.isNaN(l) ? 0 : l);
        t.row(name, f3(te), f3(k), f3(l), Double.isNaN(l) ? "n/a" : String.format(Locale.ROOT, "%+.3f", k - l));
      }
      tables.add(t.build());
      List<Charts.Bars> bars = new ArrayList<>();
      bars.add(new Charts.Bars("teacher", Charts.TEACHER, teacherF1));
      bars.add(new Charts.Bars("KD student", Charts.KD, kdF1));
      if (labels != null) {
        bars.add(new Charts.Bars("labels-only student", Charts.LABELS, labelsF1));
      }
      figures.add(new Figure("kd-per-class", "Per-class F1 on the test split: teacher, KD student and labels-only student", Charts.bars("Per-class F1", "", "F1", names, bars, true, 45)));
    }
    return ReportSection.of(
        "Distillation method: KD",
        "The student learns from the teacher's tempered softmax on every train and transfer row, and from the labels where it has them; the labels-only student is the same model trained on the labelled rows alone.",
        tables,
        figures);
  }
}
