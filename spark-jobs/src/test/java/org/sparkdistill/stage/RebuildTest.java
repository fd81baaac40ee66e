package org.sparkdistill.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which stages {@code --rebuild STAGE} recomputes: the stage and what lies downstream in its own chain. */
class RebuildTest {
  @Test
  void aTextStageRebuildsItsDownstreamTextStagesOnly() {
    assertThat(Rebuild.from("targets")).isEqualTo(Set.of("targets", "train-student", "predict", "evaluate", "report"));
    assertThat(Rebuild.from("report")).isEqualTo(Set.of("report"));
  }

  @Test
  void knowledgeGraphStagesRebuildTheirOwnChain() {
    assertThat(Rebuild.from("kg-graph")).isEqualTo(Set.of("kg-graph", "pmd-zero-shot", "pmd-finetune", "pmd-teacher"));
    assertThat(Rebuild.from("pmd-zero-shot")).isEqualTo(Set.of("pmd-zero-shot"));
    assertThat(Rebuild.from("pmd-finetune")).isEqualTo(Set.of("pmd-finetune", "pmd-teacher"));
  }

  @Test
  void anUnknownStageNamesBothChains() {
    assertThatThrownBy(() -> Rebuild.from("kg"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[prepare, encode, train-teacher, score, targets, train-student, predict, evaluate, report]")
        .hasMessageContaining("knowledge-graph chains [[kg-graph, pmd-zero-shot], [kg-graph, pmd-finetune, pmd-teacher]]")
        .hasMessageEndingWith("got: kg");
  }
}
