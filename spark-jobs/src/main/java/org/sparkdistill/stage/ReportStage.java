package org.sparkdistill.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.curve.LearningCurve;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.io.StagePlan;
import org.sparkdistill.report.Figures;
import org.sparkdistill.report.HtmlReports;
import org.sparkdistill.report.RunReport;
import org.sparkdistill.report.StageTimes;

/**
 * The whole run's report, written by {@code pipeline} after the learning curve: {@code
 * report.html} (one self-contained page: both students beside the teacher, KD's section, the
 * learning curve, calibration, the confusion matrix, the teacher's uncertainty, size, speed and
 * stage times) and {@code metrics.json} (every evaluation and curve cell) in {@code
 * <workDir>/report}. It reads only manifests (no Spark job) and is skipped like any stage when
 * none of the evaluations it rests on changed.
 */
public final class ReportStage extends Stage {
  public static final String NAME = "report";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ReportStage(StageContext context) {
    super(context);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected String description() {
    return "report: the run's HTML page";
  }

  private StageContext mode(DistillConfig config, String mode) {
    return context.with(config.withStudentMode(mode));
  }

  /** A curve cell's configuration with its teacher kind. */
  private record CurveCell(TeacherKind kind, boolean first, DistillConfig config) {
    String key(String mode) {
      return "curve:n" + config.data.split.labelledPerClass + "-s" + config.data.split.effectiveLabelSeed() + (first ? "" : "-" + kind) + ":" + mode;
    }
  }

  /** The curve cells' configurations, in budget, seed, then teacher-kind order. */
  private List<CurveCell> cellConfigs() {
    LearningCurve curve = new LearningCurve(context.spark(), context.config(), context.overwrite());
    List<TeacherKind> kinds = curve.teacherKinds();
    List<CurveCell> out = new ArrayList<>();
    for (int budget : context.config().curve.labelsPerClass) {
      for (long seed : context.config().curve.seeds) {
        for (TeacherKind kind : kinds) {
          out.add(new CurveCell(kind, kind == kinds.get(0), curve.cellConfig(budget, seed, kind)));
        }
      }
    }
    return out;
  }

  @Override
  public StagePlan plan() {
    StagePlan plan = StagePlan.of(NAME);
    for (String mode : List.of("kd", "labels")) {
      plan.input("evaluation-" + mode, mode(context.config(), mode).graph().input(EvaluateStage.NAME).fingerprint());
    }
    for (CurveCell cell : cellConfigs()) {
      for (String mode : cell.first() ? List.of("kd", "labels") : List.of("kd")) {
        Stage evaluate = mode(cell.config(), mode).graph().stage(EvaluateStage.NAME);
        plan.input(cell.key(mode), evaluate.output().requireFinished(EvaluateStage.NAME).fingerprint());
      }
    }
    plan.setting("curve.labelsPerClass", context.config().curve.labelsPerClass).setting("curve.seeds", context.config().curve.seeds);
    if (!context.config().curve.teacherKinds.isEmpty()) {
      plan.setting("curve.teacherKinds", context.config().curve.teacherKinds);
    }
    return plan.labels(context.config().data.labels);
  }

  @Override
  protected StageWrite write(Path runDir, StagePlan plan) {
    DistillConfig c = context.config();
    Map<String, Map<String, Object>> evaluations = new LinkedHashMap<>();
    for (String mode : List.of("kd", "labels")) {
      evaluations.put(mode, mode(c, mode).graph().stage(EvaluateStage.NAME).output().requireFinished(EvaluateStage.NAME).metrics());
    }
    List<LearningCurve.Cell> cells = new ArrayList<>();
    Manifest labels = null;
    for (CurveCell curveCell : cellConfigs()) {
      DistillConfig cell = curveCell.config();
      Manifest kd = mode(cell, "kd").graph().stage(EvaluateStage.NAME).output().requireFinished(EvaluateStage.NAME);
      if (curveCell.first()) {
        // the labels-only student does not depend on the teacher: the first kind's stands beside every kind
        labels = mode(cell, "labels").graph().stage(EvaluateStage.NAME).output().requireFinished(EvaluateStage.NAME);
      }
      cells.add(
          new LearningCurve.Cell(
              curveCell.kind().toString(),
              cell.data.split.labelledPerClass,
              cell.data.split.effectiveLabelSeed(),
              Figures.num(kd.metrics(), "teacher", "accuracy"),
              Figures.num(labels.metrics(), "student", "accuracy"),
              Figures.num(kd.metrics(), "student", "accuracy"),
              Double.NaN,
              Double.NaN,
              Double.NaN,
              Double.NaN));
    }
    List<Stage> stages = Chain.full(context);
    RunReport run = new RunReport(c, evaluations, cells, StageTimes.of(stages));
    HtmlReports.write(output(), runDir, "Distillation run: KD and labels-only students vs the teacher", run);
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("evaluations", evaluations);
    all.put("curve", cells);
    try (OutputStream out = output().create(runDir, "metrics.json")) {
      JSON.writeValue(out, all);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics.json under " + runDir, e);
    }
    StageWrite written = StageWrite.of(Map.of(), 0);
    written.metrics().put("report", new Path(runDir, HtmlReports.FILE_NAME).toString());
    return written;
  }

  /** The published page of this run's report. */
  public Path page() {
    StageOutput out = output();
    Manifest m = out.requireFinished(NAME);
    return new Path(out.dir(), m.files().stream().filter(f -> f.endsWith(HtmlReports.FILE_NAME)).findFirst().orElseThrow());
  }
}
