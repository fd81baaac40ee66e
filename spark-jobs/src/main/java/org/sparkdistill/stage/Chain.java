package org.sparkdistill.stage;

import java.util.ArrayList;
import java.util.List;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.StudentMode;
import org.sparkdistill.config.TeacherKind;

/** The stage sequences the CLI and the learning curve run. */
public final class Chain {
  private Chain() {}

  /** prepare → encode → train-teacher → score (a TorchScript teacher: prepare → score; a fine-tuned one: prepare → train-teacher → score). */
  public static List<Stage> teacher(StageContext context) {
    StageGraph g = context.graph();
    if (context.config().teacher.kind == TeacherKind.TORCHSCRIPT) {
      return List.of(g.stage(PrepareStage.NAME), g.stage(ScoreStage.NAME));
    }
    if (context.config().teacher.kind == TeacherKind.FINETUNE) {
      return List.of(g.stage(PrepareStage.NAME), g.stage(TrainTeacherStage.NAME), g.stage(ScoreStage.NAME));
    }
    return List.of(g.stage(PrepareStage.NAME), g.stage(EncodeStage.NAME), g.stage(TrainTeacherStage.NAME), g.stage(ScoreStage.NAME));
  }

  /** targets → train-student → predict → evaluate for the student mode of {@code context}. */
  public static List<Stage> student(StageContext context) {
    StageGraph g = context.graph();
    return List.of(g.stage(TargetsStage.NAME), g.stage(TrainStudentStage.NAME), g.stage(PredictStage.NAME), g.stage(EvaluateStage.NAME));
  }

  /** The teacher chain, then a KD student and the labels-only baseline student on the same data. */
  public static List<Stage> full(StageContext context) {
    List<Stage> stages = new ArrayList<>(teacher(context));
    StageContext kd = context.withStudentMode(StudentMode.KD);
    StageContext labels = context.withStudentMode(StudentMode.LABELS);
    stages.addAll(student(kd));
    // The baseline reads the same targets (for the labelled rows' texts and labels).
    stages.addAll(student(labels).subList(1, 4));
    return stages;
  }
}
