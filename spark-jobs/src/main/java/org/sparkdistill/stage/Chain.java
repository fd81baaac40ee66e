package org.sparkdistill.stage;

import java.util.ArrayList;
import java.util.List;
import org.sparkdistill.config.DistillConfig;

/** The stage sequences the CLI and the learning curve run. */
public final class Chain {
  private Chain() {}

  /** prepare → encode → train-teacher → score (a TorchScript teacher: prepare → score). */
  public static List<Stage> teacher(StageContext context) {
    if (context.config().teacher.kind.equals("torchscript")) {
      return List.of(new PrepareStage(context), new ScoreStage(context));
    }
    return List.of(new PrepareStage(context), new EncodeStage(context), new TrainTeacherStage(context), new ScoreStage(context));
  }

  /** targets → train-student → predict → evaluate for the student mode of {@code context}. */
  public static List<Stage> student(StageContext context) {
    return List.of(new TargetsStage(context), new TrainStudentStage(context), new PredictStage(context), new EvaluateStage(context));
  }

  /** The teacher chain, then a KD student and the labels-only baseline student on the same data. */
  public static List<Stage> full(StageContext context) {
    List<Stage> stages = new ArrayList<>(teacher(context));
    StageContext kd = context.with(context.config().withStudentMode("kd"));
    StageContext labels = context.with(context.config().withStudentMode("labels"));
    stages.addAll(student(kd));
    // The baseline reads the same targets (for the labelled rows' texts and labels).
    stages.addAll(student(labels).subList(1, 4));
    return stages;
  }
}
