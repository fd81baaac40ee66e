package org.sparkdistill.method.lelp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkdistill.report.Table;

/** The comparison's Markdown table and the report's table from its JSON, on hand-made cells. */
class LelpComparisonTablesTest {
  static LelpComparison.Result result() {
    List<LelpComparison.Score> grid =
        List.of(new LelpComparison.Score("lelp-S4-b0.5-null", 0.80, 0.79, 0.85, 0.5612), new LelpComparison.Score("kd-a0.0", 0.78, 0.76, 0.85));
    LelpComparison.Choice choice = new LelpComparison.Choice(25, "lelp-S4-b0.5-null", "kd-a0.5", 0.5, "embed-w1.0", "lelp-S4-b0.5-null-a0.5", 0.5, grid, List.of(), List.of(1L, 2L));
    List<LelpComparison.Cell> cells =
        List.of(new LelpComparison.Cell(25, 1, 0.85, 0.60, 0.76, 0.77, 0.74, 0.79, 0.81, 0.78), new LelpComparison.Cell(25, 2, 0.87, 0.64, 0.78, 0.79, 0.80, 0.83, 0.85, 0.80));
    return new LelpComparison.Result(List.of(choice), cells, 12, 3);
  }

  @Test
  void markdownTableHasMeansStdsAndDifferences() {
    String md = LelpComparison.tables(result(), List.of(1L, 2L));
    // teacher mean 0.86, std |0.85 − 0.87| / √2 = 0.0141; LELP − KD α=0 = 0.81 − 0.77
    assertThat(md).contains("stages computed: 12, skipped (finished): 3");
    // embedding distillation 0.74, 0.80: mean 0.77, std 0.06 / √2 = 0.0424; LELP best α 0.81, 0.85: mean 0.83
    // LELP best α − KD best α = 0.83 − 0.78, − labels-only = 0.83 − 0.62, − embedding = 0.83 − 0.77
    assertThat(md).contains("| 25 | 2 | 0.860 ± 0.014 | 0.620 ± 0.028 | 0.770 ± 0.014 | 0.780 ± 0.014 (α=0.5) | 0.770 ± 0.042 (embed-w1.0) | 0.810 ± 0.028 (lelp-S4-b0.5-null)"
        + " | 0.830 ± 0.028 (α=0.5) | +0.0400 | +0.0500 | +0.2100 | +0.0600 | 0.790 ± 0.014 | +0.0200 |");
    // the S = 1 control 0.78, 0.80: mean 0.79, std 0.02 / √2; LELP α=0 − control = 0.81 − 0.79
    assertThat(md).contains("#### Validation grid at 25 labels/class (mean of seeds [1, 2]; chosen: lelp-S4-b0.5-null, lelp-S4-b0.5-null-a0.5, kd-a0.5, embed-w1.0)");
    assertThat(md).contains("| lelp-S4-b0.5-null | 0.8000 | 0.7900 | 0.8500 | 0.561 |");
    assertThat(md).contains("| kd-a0.0 | 0.7800 | 0.7600 | 0.8500 | - |");
  }

  /** A grid row over several seeds: the means of validation, test and teacher; an entropy only when every seed has one. */
  @Test
  void gridScoresAreSeedMeans() {
    LelpComparison.Score mean = LelpComparison.Score.mean("lelp-S2-b0.5-null", List.of(
        new LelpComparison.Score("lelp-S2-b0.5-null", 0.70, 0.68, 0.65, 0.50), new LelpComparison.Score("lelp-S2-b0.5-null", 0.80, 0.72, 0.75, 0.60)));
    assertThat(mean.validation()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(mean.test()).isCloseTo(0.70, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(mean.teacher()).isCloseTo(0.70, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(mean.subclassEntropy()).isCloseTo(0.55, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(LelpComparison.Score.mean("kd-a0.0", List.of(new LelpComparison.Score("kd-a0.0", 0.7, 0.7, 0.7), new LelpComparison.Score("kd-a0.0", 0.8, 0.8, 0.8, 0.5)))
        .subclassEntropy()).isNull();
    String md = LelpComparison.tables(new LelpComparison.Result(List.of(new LelpComparison.Choice(25, "a", "kd-a0.0", 0.0, null, "a", 0.0, List.of(), List.of(), List.of(3L))),
        List.of(), 0, 0), List.of(3L));
    assertThat(md).contains("(seed 3; chosen: a, a, kd-a0.0)");
  }

  /** A variant name carries the LELP setting and its hard-label weight; α = 0 keeps the paper's name (and outputs made before α existed). */
  @Test
  void lelpVariantNamesRoundTripThroughTheirConfig() {
    assertThat(LelpComparison.lelpName(new LelpComparison.Setting(16, 0.5, true, false, false).name(), 0.0)).isEqualTo("lelp-S16-b0.5-null");
    assertThat(LelpComparison.lelpName(new LelpComparison.Setting(4, 2.0, false, false, false).name(), 0.9)).isEqualTo("lelp-S4-b2.0-full-a0.9");
    // whiten adds -white (absent: raw projections, as outputs made before the setting existed)
    assertThat(new LelpComparison.Setting(4, 2.0, false, false, false).name()).isEqualTo("lelp-S4-b2.0-full");
    String white = LelpComparison.lelpName(new LelpComparison.Setting(8, 0.25, true, true, true).name(), 0.5);
    assertThat(white).isEqualTo("lelp-S8-b0.25-null-white-cal-a0.5");
    assertThat(new LelpComparison.Setting(8, 0.25, true, false, true).withSubclasses(1).name()).isEqualTo("lelp-S1-b0.25-null-cal");
    org.sparkdistill.config.DistillConfig c = new org.sparkdistill.config.DistillConfig();
    LelpComparison.applyVariant(c, white);
    assertThat(c.targets.method).isEqualTo(LelpMethod.NAME);
    assertThat(c.targets.lelp.subclasses).isEqualTo(8);
    assertThat(c.targets.lelp.subclassTemperature).isEqualTo(0.25);
    assertThat(c.targets.lelp.nullSpace).isTrue();
    assertThat(c.targets.lelp.whiten).isTrue();
    assertThat(c.targets.lelp.calibrate).isTrue();
    assertThat(c.targets.lelp.alpha).isEqualTo(0.5);
    LelpComparison.applyVariant(c, "lelp-S2-b2.0-full");
    assertThat(c.targets.lelp.whiten).isFalse();
    assertThat(c.targets.lelp.calibrate).isFalse();
    assertThat(c.targets.lelp.alpha).isZero();
    assertThat(c.targets.lelp.nullSpace).isFalse();
  }

  @Test
  @SuppressWarnings("unchecked")
  void reportTableReadsTheWrittenJson() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> map = json.readValue(json.writeValueAsBytes(result()), Map.class);
    Table t = LelpReportSection.table(map);
    assertThat(t.rows()).containsExactly(List.of("25", "2", "0.860 ± 0.014", "0.620 ± 0.028", "0.770 ± 0.014", "0.780 ± 0.014 (α=0.5)", "0.770 ± 0.042 (embed-w1.0)", "0.810 ± 0.028 (lelp-S4-b0.5-null)",
        "0.830 ± 0.028 (α=0.5)", "0.790 ± 0.014", "mean of seeds [1, 2]"));
    // a comparison written before lelp.selection existed chose on its first seed
    ((List<Map<String, Object>>) map.get("choices")).get(0).remove("selectedOn");
    assertThat(LelpReportSection.table(map).rows().get(0)).last().isEqualTo("seed 1");
  }

  /** Without lelp.featureWeights the embedding column shows a dash. */
  @Test
  void withoutTheEmbeddingBaselineItsColumnsAreDashes() {
    LelpComparison.Choice choice = new LelpComparison.Choice(25, "lelp-S4-b0.5-null", "kd-a0.0", 0.0, null, "lelp-S4-b0.5-null", 0.0, List.of(), List.of(), List.of(1L));
    List<LelpComparison.Cell> cells = List.of(new LelpComparison.Cell(25, 1, 0.85, 0.60, 0.76, 0.76, null, 0.79, 0.79));
    String md = LelpComparison.tables(new LelpComparison.Result(List.of(choice), cells, 1, 0), List.of(1L));
    assertThat(md).contains("| 0.760 (n=1) (α=0.0) | - | 0.790 (n=1) (lelp-S4-b0.5-null) | 0.790 (n=1) (α=0.0) | +0.0300 | +0.0300 | +0.1900 | - |");
  }

  /** The search's rounds on the default grid: every combination once, and coordinate rounds that vary one setting at the best so far. */
  @Test
  void searchRoundsOfTheDefaultGrid() {
    org.sparkdistill.config.DistillConfig.LelpComparisonSettings grid = new org.sparkdistill.config.DistillConfig.LelpComparisonSettings();
    LelpComparison.Setting first = LelpComparison.Setting.first(grid);
    assertThat(first.name()).isEqualTo("lelp-S2-b0.5-null-white-cal");
    List<LelpComparison.Setting> all = LelpComparison.Setting.every(grid).apply(first);
    // S {2, 4, 8, 16} × β {0.5, 0.25, 1} × null space × whiten × calibrate = 4 · 3 · 2 · 2 · 2
    assertThat(all).hasSize(96).doesNotHaveDuplicates();
    assertThat(all.get(0)).isEqualTo(first);
    assertThat(all.get(95).name()).isEqualTo("lelp-S16-b1.0-full");
    List<java.util.function.Function<LelpComparison.Setting, List<LelpComparison.Setting>>> rounds = LelpComparison.Setting.coordinates(grid);
    assertThat(rounds).hasSize(5);
    LelpComparison.Setting at = new LelpComparison.Setting(8, 0.25, false, true, true);
    assertThat(rounds.get(0).apply(at).stream().map(LelpComparison.Setting::name))
        .containsExactly("lelp-S2-b0.25-full-white-cal", "lelp-S4-b0.25-full-white-cal", "lelp-S8-b0.25-full-white-cal", "lelp-S16-b0.25-full-white-cal");
    assertThat(rounds.get(1).apply(at).stream().map(LelpComparison.Setting::name)).containsExactly("lelp-S8-b0.5-full-white-cal", "lelp-S8-b0.25-full-white-cal", "lelp-S8-b1.0-full-white-cal");
    assertThat(rounds.get(2).apply(at).stream().map(LelpComparison.Setting::name)).containsExactly("lelp-S8-b0.25-null-white-cal", "lelp-S8-b0.25-full-white-cal");
    assertThat(rounds.get(3).apply(at).stream().map(LelpComparison.Setting::name)).containsExactly("lelp-S8-b0.25-full-white-cal", "lelp-S8-b0.25-full-cal");
    assertThat(rounds.get(4).apply(at).stream().map(LelpComparison.Setting::name)).containsExactly("lelp-S8-b0.25-full-white-cal", "lelp-S8-b0.25-full-white");
  }
}
