package org.sparkdistill.udfs.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.train.GarbageCollection;

/** Gradients through the encoder's pooling and normalisation, with a collection before backward. */
class BertEncoderGradientTest {

  @Test
  void l2NormalizeHasTheHandComputedGradient() {
    // L = normalize(x) · [1, 0] at x = [3, 4]: dL/dx = ([1, 0] − y·y₁) / ‖x‖ with y = [0.6, 0.8],
    // so [(1 − 0.36) / 5, −0.48 / 5] = [0.128, −0.096].
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray x = m.create(new float[] {3f, 4f}, new Shape(1, 2));
      x.setRequiresGradient(true);
      GarbageCollection.backwardAfterCollection(() -> BertEncoder.l2Normalize(x).mul(m.create(new float[] {1f, 0f}, new Shape(1, 2))).sum());
      float[] g = x.getGradient().toFloatArray();
      assertThat(g[0]).isCloseTo(0.128f, within(1e-6f));
      assertThat(g[1]).isCloseTo(-0.096f, within(1e-6f));
    }
  }

  @Test
  void meanPoolSpreadsTheGradientOverRealTokensOnly() {
    // hidden [1, 3, 2], mask [1, 1, 0]: pooled = mean of the first two rows, so d sum(pooled) /
    // d hidden = 1/2 on the two real tokens and 0 on the padding.
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray hidden = m.create(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, new Shape(1, 3, 2));
      hidden.setRequiresGradient(true);
      GarbageCollection.backwardAfterCollection(() -> BertEncoder.meanPool(hidden, m.create(new float[] {1f, 1f, 0f}, new Shape(1, 3))).sum());
      assertThat(hidden.getGradient().toFloatArray()).containsExactly(0.5f, 0.5f, 0.5f, 0.5f, 0f, 0f);
    }
  }
}
