package org.sparkdistill.stage;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --rebuild STAGE}: the stage and every stage downstream of it recompute even when their
 * settings are unchanged (a damaged output that {@code verify} found, or a doubt). The order is the
 * chain's: a rebuilt upstream output keeps its fingerprint, so downstream stages would otherwise
 * skip.
 */
public final class Rebuild {
  /** The chain's stages in dependency order. */
  public static final List<String> ORDER =
      List.of(
          PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME, TargetsStage.NAME, TrainStudentStage.NAME,
          PredictStage.NAME, EvaluateStage.NAME, ReportStage.NAME);

  private Rebuild() {}

  /**
   * The stage names to recompute for {@code --rebuild stage}; empty for null.
   *
   * @throws IllegalArgumentException naming the valid stages when {@code stage} is none of them
   */
  public static Set<String> from(String stage) {
    if (stage == null || stage.isBlank()) {
      return Set.of();
    }
    int i = ORDER.indexOf(stage);
    if (i < 0) {
      throw new IllegalArgumentException("--rebuild must name a stage of the chain " + ORDER + ", got: " + stage);
    }
    return Set.copyOf(new LinkedHashSet<>(ORDER.subList(i, ORDER.size())));
  }
}
