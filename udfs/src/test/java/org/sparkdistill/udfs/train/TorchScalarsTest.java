package org.sparkdistill.udfs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class TorchScalarsTest {
  private static final int TRIALS = 20;

  /** Gradients of sum(op(x)) for x = [1, 2, 3, 4], with a collection between forward and backward. */
  private static List<float[]> gradients(BiFunction<NDArray, NDManager, NDArray> op) {
    List<float[]> out = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager("PyTorch")) {
      for (int t = 0; t < TRIALS; t++) {
        try (NDManager m = root.newSubManager()) {
          NDArray x = m.create(new float[] {1f, 2f, 3f, 4f});
          x.setRequiresGradient(true);
          GarbageCollection.backwardAfterCollection(() -> op.apply(x, m).sum());
          out.add(x.getGradient().toFloatArray());
        }
      }
    }
    return out;
  }

  @Test
  void aTorchScalarSurvivesACollectionBetweenForwardAndBackward() {
    // d/dx sum(3x) = 3, d/dx sum(x / 4) = 0.25, d/dx sum(max(x, 2.5)) = [0, 0, 1, 1]
    for (float[] g : gradients((x, m) -> x.mul(TorchScalars.of(x, 3)))) {
      assertThat(g).containsExactly(3f, 3f, 3f, 3f);
    }
    for (float[] g : gradients((x, m) -> x.div(TorchScalars.of(x, 4)))) {
      assertThat(g).containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
    }
    for (float[] g : gradients((x, m) -> x.maximum(TorchScalars.of(x, 2.5)))) {
      assertThat(g).containsExactly(0f, 0f, 1f, 1f);
    }
  }

  @Test
  void djlsNumberOverloadIsWhatItReplaces() {
    // The control: the same protocol exposes DJL 0.32's x.mul(Number), whose scalar lives in a Java
    // direct buffer that the collection frees (gradients such as 5.5e21 instead of 3). Skipped, not
    // failed, where the freed memory happens to keep its value (another allocator, another DJL).
    long wrong = gradients((x, m) -> x.mul(3f)).stream().filter(g -> !Arrays.equals(g, new float[] {3f, 3f, 3f, 3f})).count();
    assumeTrue(wrong > 0, "x.mul(3f) gave the right gradient in all " + TRIALS + " trials here: the hazard did not show");
    assertThat(wrong).isPositive();
  }
}
