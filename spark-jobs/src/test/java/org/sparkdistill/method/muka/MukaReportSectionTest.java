package org.sparkdistill.method.muka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.report.ReportSection;
import org.sparkdistill.report.Table;

/**
 * MUKA's report section rendered from hand-made comparison results, through the JSON the {@code
 * muka-report} output stores; every expected cell is a mean ± sample std worked out by hand.
 */
class MukaReportSectionTest {
  private static final double NAN = Double.NaN;

  private static DistillConfig config() {
    DistillConfig c = new DistillConfig();
    c.data.labels = List.of("a", "b", "c", "d");
    c.muka.teachers = new LinkedHashMap<>(Map.of("t1", List.of("a", "b")));
    c.muka.teachers.put("t2", List.of("c", "d"));
    c.score.mcPasses = 16;
    return c;
  }

  /** Three seeds; the numbers are chosen so that every mean and std below is exact by hand. */
  private static MukaComparison.Result result() {
    double[][] soft = {{0.71, 0.69, 0.86}, {0.72, 0.70, 0.87}, {0.73, 0.70, 0.88}}; // test, validation, selection
    double[][] hard = {{0.73, 0.70, 0.86}, {0.75, 0.60, 0.87}, {0.71, 0.71, 0.88}};
    double[] noMcSelection = {0.85, 0.87, 0.86};
    double[] kd = {0.68, 0.69, 0.70};
    double[] uhc = {0.71, 0.715, 0.72};
    List<MukaComparison.Cell> cells = new ArrayList<>();
    List<MukaComparison.SeedTeachers> teachers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long seed = i + 1;
      cells.add(new MukaComparison.Cell(seed, "muka", soft[i][0], 0.6, soft[i][1], soft[i][2]));
      cells.add(new MukaComparison.Cell(seed, "muka-hard", hard[i][0], 0.6, hard[i][1], hard[i][2]));
      cells.add(new MukaComparison.Cell(seed, "no-mc", 0.70, 0.6, 0.68, noMcSelection[i]));
      cells.add(new MukaComparison.Cell(seed, "concat-kd", kd[i], 0.5, 0.6, NAN));
      cells.add(new MukaComparison.Cell(seed, "uhc", uhc[i], 0.5, 0.6, NAN));
      cells.add(new MukaComparison.Cell(seed, "upper", 0.76, 0.7, i == 1 ? NAN : 0.75, NAN));
      Map<String, Double> within = new LinkedHashMap<>();
      within.put("t1", 0.80 + 0.02 * i);
      within.put("t2", 0.90);
      Map<String, Double> mi = new LinkedHashMap<>();
      mi.put("t1", 0.01 * (i + 1));
      mi.put("t2", 0.02);
      Map<String, double[]> cost = new LinkedHashMap<>();
      cost.put("t1", new double[] {20 + 2 * i, 10 + 2 * i});
      cost.put("t2", new double[] {30, 15});
      teachers.add(new MukaComparison.SeedTeachers(seed, within, 0.78, cost, mi));
    }
    return new MukaComparison.Result(cells, teachers, 1276, 8640, MukaTeachers.of(config()), new java.util.LinkedHashMap<>(Map.of("encode", 1994.0)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> throughJson() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String text = json.writeValueAsString(MukaResults.toJson(result(), List.of(1L, 2L, 3L), 16));
    assertThat(text).doesNotContain("NaN");
    return json.readValue(text, Map.class);
  }

  private static List<String> row(Table t, String first) {
    return t.rows().stream().filter(r -> r.get(0).startsWith(first)).findFirst().orElseThrow(() -> new AssertionError("no row " + first + " in " + t.rows()));
  }

  @Test
  void theComparisonTableHasEveryVariantWithMeanAndStdOverSeeds() throws Exception {
    ReportSection s = MukaReportSection.of(config(), throughJson());
    assertThat(s.title()).isEqualTo("MUKA");
    Table main = s.tables().get(0);
    assertThat(main.caption()).contains("union of 4 labels").contains("3 seeds").contains("8640 pool texts").contains("1276 validation labels");
    // (0.71, 0.72, 0.73): mean 0.72, std sqrt((0.01² + 0 + 0.01²) / 2) = 0.01; selection (0.86, 0.87, 0.88) likewise
    assertThat(row(main, "MUKA (MC, soft")).containsExactly("MUKA (MC, soft, re-weighted)", "3", "0.720 ± 0.010", "0.600 ± 0.000", "0.697 ± 0.006", "0.870 ± 0.010");
    assertThat(row(main, "KD on concatenated")).containsExactly(row(main, "KD on concatenated").get(0), "3", "0.690 ± 0.010", "0.500 ± 0.000", "0.600 ± 0.000", "");
    assertThat(row(main, "UHC").get(2)).isEqualTo("0.715 ± 0.005");
    // a missing validation accuracy shows "-", not a mean of the rest
    assertThat(row(main, "upper bound").subList(2, 5)).containsExactly("0.760 ± 0.000", "0.700 ± 0.000", "-");
    // chosen on validation: seed 1 hard (0.70 > 0.69) -> 0.73, seed 2 soft (0.60 < 0.70) -> 0.72, seed 3 hard (0.71 > 0.70) -> 0.71
    assertThat(row(main, "MUKA, hard/soft chosen")).containsExactly("MUKA, hard/soft chosen on validation (muka-hard, muka, muka-hard)", "3", "0.720 ± 0.010", "0.600 ± 0.000", "", "");
  }

  @Test
  void teachersSelectionMcVsNoMcAndCostAreTabulated() throws Exception {
    ReportSection s = MukaReportSection.of(config(), throughJson());
    Table teachers = s.tables().get(1);
    assertThat(row(teachers, "t1")).containsExactly("t1", "2: a, b", "fp32", "0.820 ± 0.020", "0.0200 ± 0.0100");
    assertThat(row(teachers, "t2").subList(3, 5)).containsExactly("0.900 ± 0.000", "0.0200 ± 0.0000");
    assertThat(row(teachers, "union teacher").get(3)).isEqualTo("0.780 ± 0.000");
    Table selection = s.tables().get(2);
    assertThat(row(selection, "MC (K = 16")).containsExactly("MC (K = 16 dropout passes)", "3", "0.870 ± 0.010", "0.8600, 0.8700, 0.8800");
    assertThat(row(selection, "no_mc").subList(1, 3)).containsExactly("3", "0.860 ± 0.010");
    // paired differences 0.01, 0.00, 0.02: mean 0.01, std 0.01
    assertThat(row(selection, "MC − no_mc")).containsExactly("MC − no_mc (paired by seed)", "3", "0.010 ± 0.010", "0.0100, 0.0000, 0.0200");
    Table cost = s.tables().get(3);
    assertThat(row(cost, "t1")).containsExactly("t1", "22.0 s", "12.0 s", "+10.0 s");
    assertThat(row(cost, "t2")).containsExactly("t2", "30.0 s", "15.0 s", "+15.0 s");
    assertThat(row(cost, "encode").get(2)).isEqualTo("1994.0 s");
    assertThat(row(cost, "encode").get(0)).isEqualTo("encode (run once, shared by the teachers on its encoder)");
  }

  @Test
  void theIntroGivesTheVerdictAndTheHeadOnlyMcCaveat() throws Exception {
    String intro = MukaReportSection.of(config(), throughJson()).intro();
    // 0.720 - 0.690 = +0.030 > 0.010 + 0.010; 0.720 - 0.715 = +0.005 < 0.010 + 0.005
    assertThat(intro).contains("vs concat-KD: +0.030 test accuracy, sum of the two stds 0.020: beats it by more than the sum")
        .contains("vs UHC: +0.005 test accuracy, sum of the two stds 0.015: does not beat it by more than the sum")
        .contains("MC passes cover the head only (mean mutual information 0.0200)");
    DistillConfig whole = config();
    whole.teacher.kind = TeacherKind.FINETUNE;
    assertThat(MukaReportSection.of(whole, throughJson()).intro()).doesNotContain("head only").contains("through the whole teacher");
  }

  @Test
  void thePageRendersTheSectionWithAndWithoutStudentEvaluations() throws Exception {
    Map<String, Object> results = throughJson();
    String alone = MukaReportStage.render(config(), results, Map.of(), List.of());
    assertThat(alone).contains("<td>0.720 ± 0.010</td>").contains("MUKA, hard/soft chosen on validation (muka-hard, muka, muka-hard)").contains("Teacher selection accuracy");
    Map<String, Object> evaluation = new LinkedHashMap<>();
    evaluation.put("student", Map.of("accuracy", 0.71, "macroF1", 0.6));
    evaluation.put("teacher", Map.of("accuracy", 0.78, "macroF1", 0.7));
    evaluation.put("testRows", 2353);
    Map<String, Map<String, Object>> evaluations = new LinkedHashMap<>();
    evaluations.put("MUKA (MC, soft, re-weighted)", evaluation);
    String page = MukaReportStage.render(config(), results, evaluations, List.of());
    assertThat(page).contains("Test quality").contains("0.7100").contains("<td>0.720 ± 0.010</td>");
    assertThat(page.indexOf("MUKA settings")).isPositive();
  }
}
