package org.sparkdistill.method.pmd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;

/** The grade list read from pmd.grades.*: order, teachers, baselines, composed maps, and the config errors. */
class PmdGradesTest {
  @Test
  void theDefaultsAreFourGradesEachFromTheOneAboveAndThreeBaselinesPerSmallerGrade() {
    List<PmdGrades.Grade> grades = PmdGrades.of(new DistillConfig.PmdGradeSettings(), 6);
    assertThat(grades.stream().map(PmdGrades.Grade::id))
        .containsExactly("6l", "4l", "2l", "1l", "4l-alone", "4l-score-kd", "4l-feature-kd", "2l-alone", "2l-score-kd", "2l-feature-kd", "1l-alone", "1l-score-kd", "1l-feature-kd");
    assertThat(grades.stream().limit(4).map(PmdGrades.Grade::teacher)).containsExactly(PmdGrades.TEACHER, "6l", "4l", "2l");
    assertThat(grades.stream().limit(4).map(PmdGrades.Grade::maskRate)).containsExactly(0.2, 0.1, 0.05, 0.0);
    PmdGrades.Grade alone = PmdGrades.byId(grades, "2l-alone");
    assertThat(alone.teacher()).isNull();
    assertThat(alone.alpha() + alone.beta()).isZero();
    PmdGrades.Grade score = PmdGrades.byId(grades, "2l-score-kd");
    assertThat(score.teacher()).isEqualTo(PmdGrades.TEACHER);
    assertThat(score.alpha()).isEqualTo(0.1);
    assertThat(score.beta()).isZero();
    assertThat(score.maskRate()).isZero();
    assertThat(PmdGrades.byId(grades, "2l-feature-kd").beta()).isEqualTo(0.1);
    assertThat(PmdGrades.byId(grades, "1l-alone").map().layers()).containsExactly(3);
  }

  @Test
  void withInitPreviousABaselineStartsFromThePretrainedLayersItsGradeDescendsFrom() {
    DistillConfig.PmdGradeSettings g = new DistillConfig.PmdGradeSettings();
    g.init = "previous";
    g.layerMaps = new ArrayList<>(List.of(List.of(0, 2, 3, 5), List.of(1, 3), List.of(0)));
    g.maskRates = new ArrayList<>(List.of(0.1, 0.05, 0.0));
    List<PmdGrades.Grade> grades = PmdGrades.of(g, 6);
    // 2l's layers 1 and 3 of 4l are the encoder's 2 and 5; 1l's layer 0 of 2l is the encoder's 2
    assertThat(PmdGrades.byId(grades, "2l-alone").map().layers()).containsExactly(2, 5);
    assertThat(PmdGrades.byId(grades, "1l-alone").map().layers()).containsExactly(2);
    assertThat(PmdGrades.byId(grades, "2l").fromAbove()).isTrue();
  }

  @Test
  void badGradeSettingsGetOneLineErrorsNamingTheKeyAndValue() {
    DistillConfig.PmdGradeSettings g = new DistillConfig.PmdGradeSettings();
    g.layerMaps = new ArrayList<>(List.of(List.of(0, 1), List.of(2, 3), List.of(9)));
    g.maskRates = new ArrayList<>(List.of(0.1, 0.0));
    g.init = "scratch";
    g.alpha = 0.5;
    g.beta = 0.5;
    g.baselines = new ArrayList<>(List.of("alone", "logit-kd"));
    assertThat(PmdGrades.configErrors(g))
        .contains(
            "pmd.grades.maskRates must give one rate per grade of pmd.grades.layerMaps (3), got: [0.1, 0.0]",
            "pmd.grades.init must be pretrained or previous, got: scratch",
            "pmd.grades.alpha + pmd.grades.beta must be < 1 (the contrastive loss keeps 1 - alpha - beta), got 0.5 + 0.5",
            "pmd.grades.layerMaps[1] [2, 3] has 2 layers like an earlier grade: each grade needs its own layer count (it names the grade)",
            "pmd.grades.baselines must list alone, score-kd or feature-kd, got: logit-kd");
    DistillConfig.PmdGradeSettings lacking = new DistillConfig.PmdGradeSettings();
    lacking.layerMaps = new ArrayList<>(List.of(List.of(0, 7)));
    lacking.maskRates = new ArrayList<>(List.of(0.1));
    assertThatThrownBy(() -> PmdGrades.of(lacking, 6)).hasMessage("pmd.grades.layerMaps[0] [0, 7] names teacher layer 7, but the teacher encoder (pmd.grades.layerMaps[0]) has layers 0 to 5");
  }

  @Test
  void knowledgeGraphStagesRebuildTheirOwnChain() {
    org.sparkdistill.stage.Rebuild kg = PmdComparison.knowledgeGraph();
    assertThat(kg.closure("kg-graph")).isEqualTo(java.util.Set.of("kg-graph", "pmd-zero-shot", "pmd-finetune", "pmd-teacher"));
    assertThat(kg.closure("pmd-zero-shot")).isEqualTo(java.util.Set.of("pmd-zero-shot"));
    assertThat(kg.closure("pmd-finetune")).isEqualTo(java.util.Set.of("pmd-finetune", "pmd-teacher"));
    assertThat(kg.closure("encode")).contains("train-teacher").doesNotContain("kg-graph");
    assertThatThrownBy(() -> org.sparkdistill.stage.Rebuild.from("kg-graph")).hasMessageEndingWith("got: kg-graph");
  }

  @Test
  void rebuildingAStageRebuildsTheGradesBelowItAndTheirRankings() {
    List<PmdGrades.Grade> grades = PmdGrades.of(new DistillConfig.PmdGradeSettings(), 6);
    org.sparkdistill.stage.Rebuild rebuild = PmdComparison.rebuild(grades);
    assertThat(rebuild.closure("pmd-grade-4l"))
        .containsExactlyInAnyOrder("pmd-grade-4l", "pmd-rank-4l", "pmd-grade-2l", "pmd-rank-2l", "pmd-grade-1l", "pmd-rank-1l");
    assertThat(rebuild.closure("pmd-rank-2l")).containsExactly("pmd-rank-2l");
    java.util.Set<String> fromTeacher = rebuild.closure("pmd-finetune");
    assertThat(fromTeacher).contains("pmd-teacher", "pmd-grade-6l", "pmd-rank-1l", "pmd-grade-2l-score-kd", "pmd-rank-1l-feature-kd").doesNotContain("pmd-grade-2l-alone", "pmd-zero-shot", "kg-graph");
    assertThat(rebuild.closure("kg-graph")).contains("pmd-zero-shot", "pmd-grade-2l-alone", "pmd-rank-2l-alone").doesNotContain("prepare");
    // the text chain is unchanged, and a grade the configuration lacks is refused with the stages that exist
    assertThat(rebuild.closure("targets")).isEqualTo(org.sparkdistill.stage.Rebuild.from("targets"));
    assertThatThrownBy(() -> rebuild.closure("pmd-grade-3l")).hasMessageContaining("pmd-grade-4l, pmd-rank-4l").hasMessageEndingWith("got: pmd-grade-3l");
    assertThatThrownBy(() -> org.sparkdistill.stage.Rebuild.from("pmd-grade-4l")).hasMessageEndingWith("got: pmd-grade-4l");
  }

  @Test
  void thePairedBootstrapOfAConstantDifferenceIsThatDifference() {
    double[] a = {1, 0.5, 0.25, 0.2};
    double[] b = {0.9, 0.4, 0.15, 0.1};
    PmdComparison.Bootstrap d = PmdComparison.Bootstrap.paired(a, b, 200, 1);
    assertThat(d.mean()).isCloseTo(0.1, within(1e-12));
    assertThat(d.low()).isCloseTo(0.1, within(1e-12));
    assertThat(d.high()).isCloseTo(0.1, within(1e-12));
    // differences +1 and -1 in equal numbers: the mean is 0 and the interval holds it
    PmdComparison.Bootstrap z = PmdComparison.Bootstrap.paired(new double[] {1, 0, 1, 0, 1, 0, 1, 0}, new double[] {0, 1, 0, 1, 0, 1, 0, 1}, 500, 1);
    assertThat(z.mean()).isZero();
    assertThat(z.low()).isNegative();
    assertThat(z.high()).isPositive();
    assertThatThrownBy(() -> PmdComparison.Bootstrap.paired(a, new double[] {1}, 10, 1)).hasMessageContaining("got 4 and 1");
  }
}
