package org.sparkdistill.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TemperatureScalingTest {
  @Test
  void nllMatchesAHandComputedValue() {
    // logits (0, ln 3) with label 1: softmax = (1/4, 3/4), NLL = -ln(3/4); at T = 2: (1, sqrt 3) / (1 + sqrt 3).
    List<float[]> z = List.of(new float[] {0f, (float) Math.log(3)});
    assertThat(TemperatureScaling.nll(z, List.of(1), 1.0)).isCloseTo(-Math.log(0.75), within(1e-6));
    assertThat(TemperatureScaling.nll(z, List.of(1), 2.0)).isCloseTo(-Math.log(Math.sqrt(3) / (1 + Math.sqrt(3))), within(1e-6));
  }

  @Test
  void fitFindsTheMinimumOfAFineGridSearch() {
    Random r = new Random(7);
    List<float[]> logits = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      int y = r.nextInt(5);
      int shown = r.nextDouble() < 0.6 ? y : r.nextInt(5);
      float[] z = new float[5];
      for (int k = 0; k < 5; k++) {
        z[k] = (float) (4 * ((k == shown ? 2 : 0) + r.nextGaussian())); // over-confident: T should be > 1
      }
      logits.add(z);
      labels.add(y);
    }
    double fitted = TemperatureScaling.fit(logits, labels);
    double best = Double.NaN;
    double bestNll = Double.POSITIVE_INFINITY;
    for (double t = 0.05; t <= 20; t += 0.001) {
      double nll = TemperatureScaling.nll(logits, labels, t);
      if (nll < bestNll) {
        bestNll = nll;
        best = t;
      }
    }
    assertThat(fitted).isGreaterThan(1.0).isCloseTo(best, within(0.002));
    assertThat(TemperatureScaling.nll(logits, labels, fitted)).isLessThanOrEqualTo(bestNll + 1e-9);
  }

  @Test
  void scalingLowersTheEceOfAnOverConfidentModelAndKeepsItsPredictions() {
    Random r = new Random(11);
    List<String> names = List.of("a", "b", "c", "d");
    List<Calibration.LabelledLogits> validation = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      int y = r.nextInt(4);
      validation.add(new Calibration.LabelledLogits(y, sample(r, y)));
    }
    Calibration calibration = Calibration.fit(validation.iterator(), names, 15);
    ClassificationMetrics raw = new ClassificationMetrics(names, 15);
    for (int i = 0; i < 2000; i++) {
      int y = r.nextInt(4);
      float[] z = sample(r, y);
      int predicted = 0;
      for (int k = 1; k < 4; k++) {
        predicted = z[k] > z[predicted] ? k : predicted;
      }
      raw.add(y, predicted, TemperatureScaling.probabilities(z, 1.0));
      calibration.add(y, predicted, z);
    }
    Map<String, Object> m = calibration.toMap(raw.expectedCalibrationError());
    assertThat((double) m.get("eceAfter")).isLessThan(raw.expectedCalibrationError() / 2);
    assertThat((double) m.get("accuracyAfter")).isEqualTo(raw.accuracy());
  }

  private static float[] sample(Random r, int y) {
    int shown = r.nextDouble() < 0.6 ? y : r.nextInt(4);
    float[] z = new float[4];
    for (int k = 0; k < 4; k++) {
      z[k] = (float) (5 * ((k == shown ? 1.5 : 0) + r.nextGaussian() * 0.5));
    }
    return z;
  }
}
