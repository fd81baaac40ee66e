package org.sparkdistill.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
  private static final List<String> ABC = List.of("a", "b", "c");

  /**
   * Six labelled rows, three classes, four ECE bins of width 0.25 (confidences chosen away from
   * the bin edges):
   *
   * <pre>
   *   true pred  probabilities      conf  correct
   *   a    a     .90 .05 .05        .90   yes
   *   a    b     .30 .60 .10        .60   no
   *   b    b     .20 .70 .10        .70   yes
   *   c    c     .10 .10 .80        .80   yes
   *   c    a     .55 .15 .30        .55   no
   *   b    b     .05 .95 .00        .95   yes
   * </pre>
   */
  private static ClassificationMetrics sixRows() {
    ClassificationMetrics m = new ClassificationMetrics(ABC, 4);
    m.add(0, 0, new float[] {0.90f, 0.05f, 0.05f});
    m.add(0, 1, new float[] {0.30f, 0.60f, 0.10f});
    m.add(1, 1, new float[] {0.20f, 0.70f, 0.10f});
    m.add(2, 2, new float[] {0.10f, 0.10f, 0.80f});
    m.add(2, 0, new float[] {0.55f, 0.15f, 0.30f});
    m.add(1, 1, new float[] {0.05f, 0.95f, 0.00f});
    return m;
  }

  @Test
  void reliabilityListsTheNonEmptyBins() {
    // bin [0.5, 0.75): .60 no, .70 yes, .55 no; bin [0.75, 1]: .90, .80, .95 all correct
    List<Map<String, Object>> bins = sixRows().reliability();
    assertThat(bins).hasSize(2);
    assertThat(bins.get(0)).containsEntry("lower", 0.5).containsEntry("upper", 0.75).containsEntry("count", 3L);
    assertThat((double) bins.get(0).get("accuracy")).isCloseTo(1.0 / 3, within(1e-12));
    assertThat((double) bins.get(0).get("confidence")).isCloseTo((0.60 + 0.70 + 0.55) / 3, within(1e-6));
    assertThat((double) bins.get(1).get("accuracy")).isEqualTo(1.0);
    assertThat((double) bins.get(1).get("confidence")).isCloseTo((0.90 + 0.80 + 0.95) / 3, within(1e-6));
    assertThat(sixRows().toMap().get("confusion")).isEqualTo(List.of(List.of(1L, 1L, 0L), List.of(0L, 2L, 0L), List.of(1L, 0L, 1L)));
  }

  @Test
  void accuracyIsCorrectOverLabelled() {
    // correct rows 1, 3, 4, 6: 4 / 6
    assertThat(sixRows().accuracy()).isCloseTo(4.0 / 6, within(1e-12));
  }

  @Test
  void confusionIsTrueByPredicted() {
    assertThat(sixRows().confusion())
        .isDeepEqualTo(new long[][] {{1, 1, 0}, {0, 2, 0}, {1, 0, 1}});
  }

  @Test
  void macroF1AveragesPerClassF1() {
    // a: TP 1, predicted a = 2 (rows 1, 5), true a = 2 -> P 1/2, R 1/2, F1 1/2
    // b: TP 2, predicted b = 3 (rows 2, 3, 6), true b = 2 -> P 2/3, R 1, F1 2(2/3)/(5/3) = 4/5
    // c: TP 1, predicted c = 1, true c = 2 -> P 1, R 1/2, F1 2(1/2)/(3/2) = 2/3
    // macro = (1/2 + 4/5 + 2/3) / 3 = (15 + 24 + 20) / 30 / 3 = 59/90
    assertThat(sixRows().macroF1()).isCloseTo(59.0 / 90, within(1e-12));
  }

  @Test
  void eceWeighsEachBinsGap() {
    // bin [0.5, 0.75): .60 no, .70 yes, .55 no -> acc 1/3, conf 1.85/3; gap |1/3 - 1.85/3| = 0.85/3
    // bin [0.75, 1]: .90, .80, .95 all yes -> acc 1, conf 2.65/3; gap |1 - 2.65/3| = 0.35/3
    // ECE = 3/6 * 0.85/3 + 3/6 * 0.35/3 = (0.85 + 0.35) / 6 = 0.2
    assertThat(sixRows().expectedCalibrationError()).isCloseTo(0.2, within(1e-6));
  }

  @Test
  void perfectlyCalibratedToyHasEceZero() {
    // 10 bins. Four rows at confidence 0.75 (bin [0.7, 0.8)), three correct: acc 0.75 = conf.
    // Two rows at confidence 0.5 (bin [0.5, 0.6)), one correct: acc 0.5 = conf. ECE = 0.
    ClassificationMetrics m = new ClassificationMetrics(List.of("neg", "pos"), 10);
    float[] p75 = {0.75f, 0.25f};
    m.add(0, 0, p75);
    m.add(0, 0, p75);
    m.add(0, 0, p75);
    m.add(1, 0, p75);
    float[] p50 = {0.5f, 0.5f};
    m.add(0, 0, p50);
    m.add(1, 0, p50);
    assertThat(m.expectedCalibrationError()).isEqualTo(0.0);
    assertThat(m.accuracy()).isCloseTo(4.0 / 6, within(1e-12));
  }

  @Test
  void classWithNoTrueAndNoPredictedRowsIsSkipped() {
    // a: TP 1, predicted a 1, true a 2 -> P 1, R 1/2, F1 2/3
    // b: TP 2, predicted b 3, true b 2 -> P 2/3, R 1, F1 4/5
    // c: no true, no predicted rows -> skipped; macro = (2/3 + 4/5) / 2 = 11/15 (not 22/45)
    ClassificationMetrics m = new ClassificationMetrics(ABC, 15);
    float[] p = {0.4f, 0.4f, 0.2f};
    m.add(0, 0, p);
    m.add(0, 1, p);
    m.add(1, 1, p);
    m.add(1, 1, p);
    assertThat(m.macroF1()).isCloseTo(11.0 / 15, within(1e-12));

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> perClass = (Map<String, Map<String, Object>>) m.toMap().get("perClass");
    assertThat(perClass.get("c")).containsOnly(Map.entry("support", 0L), Map.entry("skipped", true));
    assertThat(perClass.get("b")).containsEntry("support", 2L);
    assertThat((double) perClass.get("b").get("precision")).isCloseTo(2.0 / 3, within(1e-12));
  }

  @Test
  void classPredictedButNeverTrueIsKeptWithF1Zero() {
    // a: TP 1, predicted a 1, true a 2 -> F1 2/3; b skipped;
    // c: predicted once, never true -> P 0/1 = 0, R 0/0 = 0, F1 0; macro = (2/3 + 0) / 2 = 1/3
    ClassificationMetrics m = new ClassificationMetrics(ABC, 15);
    float[] p = {0.4f, 0.2f, 0.4f};
    m.add(0, 0, p);
    m.add(0, 2, p);
    assertThat(m.macroF1()).isCloseTo(1.0 / 3, within(1e-12));
  }

  @Test
  void unlabelledRowsCountButDoNotScore() {
    ClassificationMetrics m = new ClassificationMetrics(ABC);
    m.add(-1, 2, new float[] {0.1f, 0.1f, 0.8f});
    m.add(0, 0, new float[] {0.8f, 0.1f, 0.1f});
    assertThat(m.count()).isEqualTo(2);
    assertThat(m.labelledCount()).isEqualTo(1);
    assertThat(m.accuracy()).isEqualTo(1.0);
    // only the labelled row: bin [0.8, 0.8667) acc 1, conf 0.8 -> ECE 0.2
    assertThat(m.expectedCalibrationError()).isCloseTo(0.2, within(1e-6));
    assertThat(m.toMap()).containsEntry("count", 2L).containsEntry("labelledCount", 1L).containsKey("ece");
  }

  @Test
  void metricsWithoutLabelledRowsSayWhy() {
    ClassificationMetrics m = new ClassificationMetrics(ABC);
    m.add(-1, 0, new float[] {1f, 0f, 0f});
    assertThatThrownBy(m::accuracy)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("at least one labelled row")
        .hasMessageContaining("0 of 1");
    assertThat(m.toMap()).containsOnlyKeys("count", "labelledCount");
  }

  @Test
  void badRowsAreRejectedWithTheRuleAndValue() {
    ClassificationMetrics m = new ClassificationMetrics(ABC);
    float[] ok = {0.2f, 0.3f, 0.5f};
    assertThatThrownBy(() -> m.add(3, 0, ok)).hasMessageContaining("trueLabel").hasMessageContaining("got 3");
    assertThatThrownBy(() -> m.add(0, -1, ok)).hasMessageContaining("predicted").hasMessageContaining("got -1");
    assertThatThrownBy(() -> m.add(0, 0, new float[] {1f, 0f}))
        .hasMessageContaining("one value per class (3)")
        .hasMessageContaining("got 2 values");
    assertThatThrownBy(() -> m.add(0, 0, new float[] {Float.NaN, 0f, 0f}))
        .hasMessageContaining("[0, 1]")
        .hasMessageContaining("NaN at index 0");
    assertThatThrownBy(() -> new ClassificationMetrics(List.of("a", "a"), 15)).hasMessageContaining("distinct");
    assertThatThrownBy(() -> new ClassificationMetrics(ABC, 0)).hasMessageContaining("calibrationBins").hasMessageContaining("got 0");
  }
}
