package org.sparkdistill.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HeadTrainerTest {

  private static final int CLASSES = 3;
  private static final int DIM = 16;

  private static Split train;
  private static Split val;
  private static Split hardTrain;
  private static Split hardVal;

  record Split(float[][] x, int[] y) {}

  /** Three Gaussian blobs (σ = 1) around centres 4 apart per axis: linearly separable w.h.p. */
  @BeforeAll
  static void blobs() {
    Random rng = new Random(7);
    float[][] centres = centres(1.5, rng);
    train = sample(centres, 40, rng);
    val = sample(centres, 30, rng);
    // Overlapping blobs: validation accuracy plateaus below 1 and fluctuates.
    Random hard = new Random(7);
    float[][] close = centres(0.4, hard);
    hardTrain = sample(close, 40, hard);
    hardVal = sample(close, 30, hard);
  }

  private static float[][] centres(double spread, Random rng) {
    float[][] centres = new float[CLASSES][DIM];
    for (int c = 0; c < CLASSES; c++) {
      for (int j = 0; j < DIM; j++) {
        centres[c][j] = (float) (rng.nextGaussian() * spread);
      }
    }
    return centres;
  }

  private static Split sample(float[][] centres, int perClass, Random rng) {
    int n = perClass * CLASSES;
    float[][] x = new float[n][DIM];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int c = i % CLASSES;
      y[i] = c;
      for (int j = 0; j < DIM; j++) {
        x[i][j] = centres[c][j] + (float) rng.nextGaussian();
      }
    }
    return new Split(x, y);
  }

  private static HeadTrainer.Builder fast() {
    return HeadTrainer.builder().optEpochs(100).optPatience(10).optSeed(11);
  }

  private static TrainedHead fit(HeadTrainer trainer) {
    return trainer.train(train.x(), train.y(), val.x(), val.y(), CLASSES);
  }

  @Test
  void separatesGaussianBlobs() {
    TrainedHead head = fit(fast().build());

    assertThat(head.bestValidationAccuracy()).isGreaterThan(0.95);
    assertThat(head.numClasses()).isEqualTo(CLASSES);
    assertThat(head.inputDim()).isEqualTo(DIM);
    assertThat(head.weight()).hasNumberOfRows(CLASSES);
    assertThat(head.bias()).hasSize(CLASSES);
    assertThat(head.dropout()).isEqualTo(0.1);
    assertThat(head.history()).hasSize(head.epochsRun());
    EpochStats best = head.history().get(head.bestEpoch() - 1);
    assertThat(best.epoch()).isEqualTo(head.bestEpoch());
    assertThat(best.validationAccuracy()).isEqualTo(head.bestValidationAccuracy());
    assertThat(best.validationLoss()).isEqualTo(head.bestValidationLoss());
    assertThat(head.history().get(head.epochsRun() - 1).trainLoss())
        .isLessThan(head.history().get(0).trainLoss());
  }

  @Test
  void sameSeedGivesIdenticalWeightsAndOtherSeedDoesNot() {
    TrainedHead a = fit(fast().build());
    TrainedHead b = fit(fast().build());
    TrainedHead other = fit(fast().optSeed(12).build());

    assertThat(b.weight()).isDeepEqualTo(a.weight());
    assertThat(b.bias()).isEqualTo(a.bias());
    assertThat(b.history()).isEqualTo(a.history());
    assertThat(other.weight()).isNotEqualTo(a.weight());
  }

  @Test
  void earlyStoppingStopsBeforeMaxEpochsOnAnEasyProblem() {
    TrainedHead head = fit(HeadTrainer.builder().optEpochs(500).optPatience(5).optSeed(3).build());

    assertThat(head.epochsRun()).isLessThan(500);
    assertThat(head.bestEpoch()).isBetween(1, head.epochsRun());
    // Stops exactly `patience` epochs after the last rise in validation accuracy.
    double best = head.bestValidationAccuracy();
    int firstAtBest =
        head.history().stream()
            .filter(s -> s.validationAccuracy() == best)
            .mapToInt(EpochStats::epoch)
            .min()
            .orElseThrow();
    assertThat(head.epochsRun()).isEqualTo(firstAtBest + 5);
    // Among epochs with the best accuracy, the chosen one has the lowest validation loss.
    assertThat(head.history())
        .filteredOn(s -> s.validationAccuracy() == best)
        .allSatisfy(s -> assertThat(s.validationLoss()).isGreaterThanOrEqualTo(
            head.bestValidationLoss()));
  }

  @Test
  void exportedWeightsAreTheBestEpochsAndReproduceItsValidationAccuracyAndLoss() {
    TrainedHead head =
        fast().build().train(hardTrain.x(), hardTrain.y(), hardVal.x(), hardVal.y(), CLASSES);
    // The best epoch is not the last, so the returned weights were restored from a snapshot.
    assertThat(head.bestEpoch()).isLessThan(head.epochsRun());
    assertThat(head.bestValidationAccuracy()).isLessThan(1.0);
    Split val = hardVal;
    float[][] w = head.weight();
    float[] b = head.bias();

    int correct = 0;
    double lossSum = 0;
    for (int i = 0; i < val.y().length; i++) {
      double[] logits = new double[CLASSES];
      int argmax = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        double acc = b[c];
        for (int j = 0; j < DIM; j++) {
          acc += (double) w[c][j] * val.x()[i][j];
        }
        logits[c] = acc;
        if (acc > max) {
          max = acc;
          argmax = c;
        }
      }
      double sumExp = 0;
      for (double l : logits) {
        sumExp += Math.exp(l - max);
      }
      lossSum += -(logits[val.y()[i]] - max - Math.log(sumExp));
      if (argmax == val.y()[i]) {
        correct++;
      }
    }
    assertThat((double) correct / val.y().length).isEqualTo(head.bestValidationAccuracy());
    assertThat(lossSum / val.y().length)
        .isCloseTo(head.bestValidationLoss(), org.assertj.core.data.Offset.offset(1e-4));
  }

  @Test
  void rejectsBadInputsNamingTheProblem() {
    HeadTrainer t = fast().optEpochs(1).build();
    float[][] x = train.x();
    int[] y = train.y();
    float[][] vx = val.x();
    int[] vy = val.y();

    assertThatThrownBy(() -> t.train(x, y, vx, vy, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("numClasses must be >= 2, got: 1");
    assertThatThrownBy(() -> t.train(new float[0][], new int[0], vx, vy, CLASSES))
        .hasMessage("trainX must have >= 1 row, got 0");
    assertThatThrownBy(() -> t.train(x, new int[3], vx, vy, CLASSES))
        .hasMessage("trainX has 120 rows but trainY has 3 labels");

    float[][] ragged = copy(x);
    ragged[5] = new float[DIM - 1];
    assertThatThrownBy(() -> t.train(ragged, y, vx, vy, CLASSES))
        .hasMessage("trainX[5] has length 15, expected 16 (as trainX[0])");

    float[][] nan = copy(x);
    nan[7][3] = Float.NaN;
    assertThatThrownBy(() -> t.train(nan, y, vx, vy, CLASSES))
        .hasMessage("trainX[7][3] must be finite, got: NaN");

    int[] badLabel = y.clone();
    badLabel[9] = 3;
    assertThatThrownBy(() -> t.train(x, badLabel, vx, vy, CLASSES))
        .hasMessage("trainY[9] must be in [0, 3), got: 3");

    int[] negLabel = vy.clone();
    negLabel[2] = -1;
    assertThatThrownBy(() -> t.train(x, y, vx, negLabel, CLASSES))
        .hasMessage("valY[2] must be in [0, 3), got: -1");

    float[][] narrowVal = new float[vy.length][DIM + 1];
    assertThatThrownBy(() -> t.train(x, y, narrowVal, vy, CLASSES))
        .hasMessage("valX rows have length 17 but trainX rows have length 16");

    float[][] infVal = copy(vx);
    infVal[0][0] = Float.POSITIVE_INFINITY;
    assertThatThrownBy(() -> t.train(x, y, infVal, vy, CLASSES))
        .hasMessage("valX[0][0] must be finite, got: Infinity");

    assertThatThrownBy(() -> t.train(x, y, null, vy, CLASSES))
        .hasMessage("valX must not be null");
  }

  @Test
  void builderRejectsBadHyperparameters() {
    assertThatThrownBy(() -> HeadTrainer.builder().optDropout(1.0))
        .hasMessage("dropout must be in [0, 1), got: 1.0");
    assertThatThrownBy(() -> HeadTrainer.builder().optEpochs(0))
        .hasMessage("epochs must be >= 1, got: 0");
    assertThatThrownBy(() -> HeadTrainer.builder().optBatchSize(0))
        .hasMessage("batchSize must be >= 1, got: 0");
    assertThatThrownBy(() -> HeadTrainer.builder().optLearningRate(Double.NaN))
        .hasMessage("learningRate must be finite and > 0, got: NaN");
    assertThatThrownBy(() -> HeadTrainer.builder().optWeightDecay(-1e-4))
        .hasMessage("weightDecay must be finite and >= 0, got: -1.0E-4");
    assertThatThrownBy(() -> HeadTrainer.builder().optPatience(0))
        .hasMessage("patience must be >= 1, got: 0");
  }

  @Test
  void divergenceIsReportedNotReturned() {
    // lr = 1e38: after one Adam step the logits overflow float.
    HeadTrainer t = fast().optLearningRate(1e38).optDropout(0).build();
    assertThatThrownBy(() -> fit(t))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("training diverged at epoch");
  }

  private static float[][] copy(float[][] a) {
    float[][] out = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
