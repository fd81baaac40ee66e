package org.sparkdistill.stage;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --rebuild STAGE}: the stage and every stage downstream of it recompute even when their
 * settings are unchanged (a damaged output that {@code verify} found, or a doubt). The order is the
 * chain's: a rebuilt upstream output keeps its fingerprint, so downstream stages would otherwise
 * skip. Each chain is its own line of stages: the text chain ({@link #ORDER}) and the knowledge-graph
 * chain ({@link #KG_ORDER}); a stage rebuilds what lies downstream of it in its own chain only.
 */
public final class Rebuild {
  /** The chain's stages in dependency order. */
  public static final List<String> ORDER =
      List.of(
          PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME, TargetsStage.NAME, TrainStudentStage.NAME,
          PredictStage.NAME, EvaluateStage.NAME, ReportStage.NAME);

  /** The knowledge-graph chain's stages in dependency order (README "PMD: knowledge graph completion"). */
  public static final List<String> KG_ORDER = List.of(org.sparkdistill.kg.KgGraphStage.NAME, org.sparkdistill.method.pmd.ZeroShotStage.NAME);

  private static final List<List<String>> CHAINS = List.of(ORDER, KG_ORDER);

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
    for (List<String> chain : CHAINS) {
      int i = chain.indexOf(stage);
      if (i >= 0) {
        return Set.copyOf(new LinkedHashSet<>(chain.subList(i, chain.size())));
      }
    }
    throw new IllegalArgumentException(
        "--rebuild must name a stage of the chain " + ORDER + " or of the knowledge-graph chain " + KG_ORDER + ", got: " + stage);
  }
}
