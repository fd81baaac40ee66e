package org.sparkdistill.stage;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --rebuild STAGE}: the stage and every stage downstream of it recompute even when their
 * settings are unchanged (a damaged output that {@code verify} found, or a doubt). The order is the
 * chain's: a rebuilt upstream output keeps its fingerprint, so downstream stages would otherwise
 * skip. Each chain is its own line of stages: the text chain ({@link #ORDER}) and the knowledge-graph
 * chains ({@link #KG_CHAINS}); a stage rebuilds what lies downstream of it in the chains it is on.
 */
public final class Rebuild {
  /** The chain's stages in dependency order. */
  public static final List<String> ORDER =
      List.of(
          PrepareStage.NAME, EncodeStage.NAME, TrainTeacherStage.NAME, ScoreStage.NAME, TargetsStage.NAME, TrainStudentStage.NAME,
          PredictStage.NAME, EvaluateStage.NAME, ReportStage.NAME);

  /** The knowledge-graph chains in dependency order (README "PMD: knowledge graph completion"): the zero-shot baseline, the fine-tuned teacher. */
  public static final List<List<String>> KG_CHAINS =
      List.of(
          List.of(org.sparkdistill.kg.KgGraphStage.NAME, org.sparkdistill.method.pmd.ZeroShotStage.NAME),
          List.of(org.sparkdistill.kg.KgGraphStage.NAME, org.sparkdistill.method.pmd.BiEncoderFineTuneStage.NAME, org.sparkdistill.method.pmd.TeacherRankingStage.NAME));

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
    Set<String> out = new LinkedHashSet<>();
    List<List<String>> chains = new java.util.ArrayList<>(KG_CHAINS);
    chains.add(0, ORDER);
    for (List<String> chain : chains) {
      int i = chain.indexOf(stage);
      if (i >= 0) {
        out.addAll(chain.subList(i, chain.size()));
      }
    }
    if (stage.startsWith(org.sparkdistill.method.pmd.GradeStage.PREFIX) || stage.startsWith(org.sparkdistill.method.pmd.PmdComparison.RANK_PREFIX)) {
      out.add(stage); // a PMD grade: the pmd command adds the grades and rankings below it (PmdComparison.of)
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--rebuild must name a stage of the chain " + ORDER + ", of the knowledge-graph chains " + KG_CHAINS
          + " or a PMD grade (" + org.sparkdistill.method.pmd.GradeStage.PREFIX + "<id>, " + org.sparkdistill.method.pmd.PmdComparison.RANK_PREFIX + "<id>), got: " + stage);
    }
    return Set.copyOf(out);
  }
}
