package org.sparkdistill.method.lelp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkdistill.config.DistillConfig;

/**
 * The lelp command's choices on hand-made validation accuracies (no Spark): the coordinate search,
 * KD's α, the embedding λ and LELP's α, on the mean of the selection seeds or on the first seed.
 */
class LelpSelectionTest {
  /** Validation accuracy per variant and seed (seeds 1, 2, 3), chosen so that seed 1 alone and the mean disagree. */
  private static final Map<String, double[]> VALIDATION = Map.of(
      "lelp-S2-b0.5-null-white-cal", new double[] {0.80, 0.70, 0.70},        // mean 0.7333; seed 1's best
      "lelp-S4-b0.5-null-white-cal", new double[] {0.70, 0.78, 0.78},        // mean 0.7533: the mean's best
      "lelp-S4-b0.25-null-white-cal", new double[] {0.74, 0.75, 0.74},       // mean 0.7433
      "lelp-S2-b0.25-null-white-cal", new double[] {0.70, 0.70, 0.70},       // tried only from seed 1's path
      "kd-a0.0", new double[] {0.72, 0.72, 0.72},
      "kd-a0.9", new double[] {0.71, 0.74, 0.74},                            // mean 0.73 > 0.72; seed 1 prefers α = 0
      "embed-w1.0", new double[] {0.60, 0.60, 0.60},
      "lelp-S4-b0.5-null-white-cal-a0.9", new double[] {0.70, 0.78, 0.78},   // ties its α = 0: α = 0 is kept
      "lelp-S2-b0.5-null-white-cal-a0.9", new double[] {0.81, 0.60, 0.60});  // above its α = 0 for seed 1

  private static DistillConfig.LelpComparisonSettings grid() {
    DistillConfig.LelpComparisonSettings grid = new DistillConfig.LelpComparisonSettings();
    grid.seeds = new ArrayList<>(List.of(1L, 2L, 3L));
    grid.subclasses = new ArrayList<>(List.of(2, 4));
    grid.subclassTemperatures = new ArrayList<>(List.of(0.5, 0.25));
    grid.nullSpace = new ArrayList<>(List.of(true));
    grid.whiten = new ArrayList<>(List.of(true));
    grid.calibrate = new ArrayList<>(List.of(true));
    grid.alphas = new ArrayList<>(List.of(0.0, 0.9));
    grid.featureWeights = new ArrayList<>(List.of(1.0));
    grid.search = "coordinate";
    return grid;
  }

  /** Scores {@code name} on {@code seeds} from the table (test and teacher 0), as the command's seed mean. */
  private static LelpComparison.Score select(String name, List<Long> seeds, List<String> asked) {
    asked.add(name);
    double[] v = VALIDATION.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no such variant in the table: " + name);
    }
    return LelpComparison.Score.mean(name, seeds.stream().map(s -> new LelpComparison.Score(name, v[(int) (s - 1)], 0.0, 0.0)).toList());
  }

  @Test
  void theMeanOfThreeSeedsChoosesWhatSeedOneAloneWouldNot() {
    List<String> asked = new ArrayList<>();
    List<Long> seeds = List.of(1L, 2L, 3L);
    LelpComparison.Selection s = LelpComparison.choose(25, grid(), seeds, n -> select(n, seeds, asked));
    LelpComparison.Choice c = s.choice();
    assertThat(c.lelp()).isEqualTo("lelp-S4-b0.5-null-white-cal");
    assertThat(s.lelp()).isEqualTo(new LelpComparison.Setting(4, 0.5, true, true, true));
    assertThat(c.kd()).isEqualTo("kd-a0.9");
    assertThat(c.alpha()).isEqualTo(0.9);
    assertThat(c.embedding()).isEqualTo("embed-w1.0");
    // the α = 0.9 variant ties α = 0 on the mean: the tie keeps α = 0
    assertThat(c.lelpBest()).isEqualTo(c.lelp());
    assertThat(c.lelpAlpha()).isZero();
    assertThat(c.selectedOn()).containsExactly(1L, 2L, 3L);
    // S round at β = 0.5 (S2, S4), then the β round at S4 (0.5 again from the cache, then 0.25); each trained once
    assertThat(asked).containsExactly("lelp-S2-b0.5-null-white-cal", "lelp-S4-b0.5-null-white-cal", "lelp-S4-b0.25-null-white-cal",
        "kd-a0.0", "kd-a0.9", "embed-w1.0", "lelp-S4-b0.5-null-white-cal-a0.9");
    LelpComparison.Score chosen = c.grid().get(1);
    assertThat(chosen.variant()).isEqualTo("lelp-S4-b0.5-null-white-cal");
    assertThat(chosen.validation()).isCloseTo((0.70 + 0.78 + 0.78) / 3, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void theFirstSeedAloneFollowsItsOwnValidation() {
    List<String> asked = new ArrayList<>();
    List<Long> seeds = List.of(1L);
    LelpComparison.Selection s = LelpComparison.choose(25, grid(), seeds, n -> select(n, seeds, asked));
    assertThat(s.choice().lelp()).isEqualTo("lelp-S2-b0.5-null-white-cal");
    assertThat(s.choice().kd()).isEqualTo("kd-a0.0");
    assertThat(s.choice().lelpBest()).isEqualTo("lelp-S2-b0.5-null-white-cal-a0.9");
    assertThat(s.choice().lelpAlpha()).isEqualTo(0.9);
    assertThat(asked).contains("lelp-S2-b0.25-null-white-cal").doesNotContain("lelp-S4-b0.25-null-white-cal");
  }

  /** A setting the data refuses (here: one the table lacks) is skipped and listed, not chosen. */
  @Test
  void aRefusedSettingIsSkippedAndListed() {
    DistillConfig.LelpComparisonSettings grid = grid();
    grid.subclasses = new ArrayList<>(List.of(2, 8, 4));
    List<Long> seeds = List.of(1L, 2L, 3L);
    LelpComparison.Selection s = LelpComparison.choose(25, grid, seeds, n -> select(n, seeds, new ArrayList<>()));
    assertThat(s.choice().lelp()).isEqualTo("lelp-S4-b0.5-null-white-cal");
    assertThat(s.choice().skipped()).containsExactly("lelp-S8-b0.5-null-white-cal: no such variant in the table: lelp-S8-b0.5-null-white-cal");
  }
}
