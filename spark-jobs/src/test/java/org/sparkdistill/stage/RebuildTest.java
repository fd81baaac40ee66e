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
  void anUnknownStageNamesEveryDeclaredStage() {
    assertThatThrownBy(() -> Rebuild.from("kg"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--rebuild must name a stage of this command's chain [prepare, encode, train-teacher, score, targets, train-student, predict, evaluate, report], got: kg");
  }

  @Test
  void aDeclaredStageRebuildsEveryStageThatReadsItTransitively() {
    // a diamond: b and c read a, d reads b and c, e reads only c
    Rebuild r = Rebuild.DEFAULT.with("b", java.util.List.of("a")).with("c", java.util.List.of("a")).with("d", java.util.List.of("b", "c")).with("e", java.util.List.of("c"));
    assertThat(r.closure("a")).isEqualTo(Set.of("a", "b", "c", "d", "e"));
    assertThat(r.closure("b")).isEqualTo(Set.of("b", "d"));
    assertThat(r.closure("e")).isEqualTo(Set.of("e"));
    assertThat(r.closure(null)).isEmpty();
    // declaring leaves DEFAULT as it was
    assertThatThrownBy(() -> Rebuild.from("a")).hasMessageEndingWith("got: a");
  }
}
