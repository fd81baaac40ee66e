package org.sparkdistill.udfs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UhcLossTest {
  private static float loss(NDManager m, UhcLoss loss, float[][] s, float[][] t, float[] w) {
    long[] labels = new long[s.length];
    java.util.Arrays.fill(labels, -1);
    return loss.compute(m.create(s), m.create(t), m.create(labels), m.create(w)).getFloat();
  }

  /**
   * One row, union of 4 classes, blocks {0, 1} and {2, 3}, s = (ln 3, 0, 0, 0), weight 2:
   *
   * <pre>
   *   block 1: q = softmax(ln 3, 0) = (0.75, 0.25), t = (0.5, 0.5)
   *     KL = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) = -0.2027325541 + 0.3465735903 = 0.1438410362
   *   block 2: q = (0.5, 0.5), t = (0.5, 0.5): KL = 0
   *   L = 2 * 0.1438410362 / 1 = 0.2876820725
   * </pre>
   */
  @Test
  void handComputedTwoBlocks() {
    float[][] s = {{(float) Math.log(3), 0f, 0f, 0f}};
    float[][] t = {{0.5f, 0.5f, 0.5f, 0.5f}};
    float[] w = {2f};
    int[][] blocks = {{0, 1}, {2, 3}};
    assertThat(UhcLoss.reference(s, t, w, blocks)).isCloseTo(0.2876820725, within(1e-7));
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThat(loss(m, new UhcLoss(blocks), s, t, w)).isCloseTo(0.2876820725f, within(1e-6f));
    }
  }

  @Test
  void matchesTheReferenceOnRandomBatchesWithOverlappingBlocksAndGradientsFlow() {
    Random rng = new Random(5);
    int[][] blocks = {{0, 1, 2}, {2, 3}, {1, 4}};
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (int trial = 0; trial < 10; trial++) {
        int n = 1 + rng.nextInt(6);
        float[][] s = new float[n][5];
        float[][] t = new float[n][7];
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
          for (int c = 0; c < 5; c++) {
            s[i][c] = (float) rng.nextGaussian() * 2;
          }
          int at = 0;
          for (int[] b : blocks) {
            float sum = 0;
            for (int j = 0; j < b.length; j++) {
              t[i][at + j] = rng.nextFloat();
              sum += t[i][at + j];
            }
            for (int j = 0; j < b.length; j++) {
              t[i][at + j] /= sum;
            }
            at += b.length;
          }
          w[i] = rng.nextFloat();
        }
        assertThat((double) loss(m, new UhcLoss(blocks), s, t, w)).isCloseTo(UhcLoss.reference(s, t, w, blocks), within(1e-5));
      }
      NDArray logits = m.create(new float[][] {{1f, 0f, 0f, 0f, 0f}});
      logits.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray l = new UhcLoss(blocks).compute(logits, m.create(new float[][] {{0.2f, 0.3f, 0.5f, 0.5f, 0.5f, 0.9f, 0.1f}}), m.create(new long[] {-1}), m.create(new float[] {1f}));
        GarbageCollection.collectNow();
        gc.backward(l);
      }
      assertThat(logits.getGradient().abs().sum().getFloat()).isGreaterThan(0f);
    }
  }

  @Test
  void refusesTargetsOfAnotherWidth() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      assertThatThrownBy(() -> loss(m, new UhcLoss(new int[][] {{0}, {1}}), new float[][] {{0f, 0f}}, new float[][] {{1f, 0f, 0f}}, new float[] {1f}))
          .hasMessageContaining("UHC targets must be [1, 2]");
    }
  }
}
