package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearHeadTest {

  // W = [[1, 2], [3, 4], [-1, 0]], b = [0.5, -1, 0]
  private static LinearHead head() {
    return new LinearHead(
        List.of("a", "b", "c"),
        new float[][] {{1f, 2f}, {3f, 4f}, {-1f, 0f}},
        new float[] {0.5f, -1f, 0f},
        0.2);
  }

  @Test
  void shapesAndParameterCount() {
    LinearHead h = head();
    assertThat(h.numClasses()).isEqualTo(3);
    assertThat(h.inputDim()).isEqualTo(2);
    assertThat(h.parameterCount()).isEqualTo(3L * 2 + 3);
    assertThat(h.labels()).containsExactly("a", "b", "c");
    assertThat(h.dropoutRate()).isEqualTo(0.2);
  }

  @Test
  void weightsByInputPutEachInputsClassWeightsTogether() {
    // Input 0 feeds classes a, b, c with 1, 3, -1; input 1 with 2, 4, 0.
    LinearHead h = head();
    assertThat(h.weightsByInput()).containsExactly(1f, 3f, -1f, 2f, 4f, 0f);
    assertThat(h.bias()).containsExactly(0.5f, -1f, 0f);
    h.bias()[0] = 9f;
    assertThat(h.logits(new float[] {1f, -1f})).containsExactly(-0.5f, -2f, -1f);
  }

  @Test
  void logitsAreAffine() {
    // x = [1, -1]: [1 - 2 + 0.5, 3 - 4 - 1, -1 + 0 + 0] = [-0.5, -2, -1]
    assertThat(head().logits(new float[] {1f, -1f})).containsExactly(-0.5f, -2f, -1f);
  }

  @Test
  void maskedLogitsMultiplyFeaturesFirst() {
    // x ⊙ m = [1, -1] ⊙ [2, 0] = [2, 0]: [2 + 0.5, 6 - 1, -2] = [2.5, 5, -2]
    assertThat(head().logits(new float[] {1f, -1f}, new float[] {2f, 0f}))
        .containsExactly(2.5f, 5f, -2f);
    // An all-ones mask is the deterministic head.
    float[] x = {0.3f, -7.1f};
    assertThat(head().logits(x, new float[] {1f, 1f})).containsExactly(head().logits(x));
  }

  @Test
  void accumulatesInDouble() {
    // 1e8 + 1 - 1e8 in float accumulation gives 0; in double it gives 1.
    LinearHead h =
        new LinearHead(List.of("x"), new float[][] {{1e8f, 1f, -1e8f}}, new float[] {0f}, 0.0);
    assertThat(h.logits(new float[] {1f, 1f, 1f})).containsExactly(1f);
  }

  @Test
  void isImmutableAgainstCallerArrays() {
    List<String> labels = new ArrayList<>(List.of("a", "b"));
    float[][] w = {{1f}, {2f}};
    float[] b = {0f, 0f};
    LinearHead h = new LinearHead(labels, w, b, 0.0);
    labels.set(0, "z");
    w[0][0] = 100f;
    b[1] = 100f;
    assertThat(h.labels()).containsExactly("a", "b");
    assertThat(h.logits(new float[] {1f})).containsExactly(1f, 2f);
    assertThatThrownBy(() -> h.labels().set(0, "q"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(head());
    }
    LinearHead copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (LinearHead) in.readObject();
    }
    assertThat(copy.labels()).containsExactly("a", "b", "c");
    assertThat(copy.dropoutRate()).isEqualTo(0.2);
    assertThat(copy.logits(new float[] {1f, -1f})).containsExactly(-0.5f, -2f, -1f);
  }

  @Test
  void rejectsShapeMismatches() {
    assertThatThrownBy(
            () -> new LinearHead(List.of("a", "b"), new float[][] {{1f}}, new float[2], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight must have one row per label: 2 labels, got 1 rows");
    assertThatThrownBy(
            () -> new LinearHead(List.of("a", "b"), new float[][] {{1f}, {2f}}, new float[3], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bias must have one value per label: 2 labels, got length 3");
    assertThatThrownBy(
            () ->
                new LinearHead(
                    List.of("a", "b"), new float[][] {{1f, 2f}, {3f}}, new float[2], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight rows must all have length 2 (row 0's), got row 1: length 1");
    assertThatThrownBy(
            () -> new LinearHead(List.of("a"), new float[][] {{}}, new float[1], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight rows must have length >= 1, got row 0: length 0");
    assertThatThrownBy(() -> new LinearHead(List.of(), new float[0][], new float[0], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("labels must hold >= 1 class, got: 0");
  }

  @Test
  void rejectsBadValues() {
    assertThatThrownBy(
            () -> new LinearHead(List.of("a", "a"), new float[][] {{1f}, {2f}}, new float[2], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("labels must be distinct, got 'a' at 0 and 1");
    assertThatThrownBy(
            () ->
                new LinearHead(
                    List.of("a"), new float[][] {{1f, Float.NaN}}, new float[1], 0.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight[0][1] must be finite, got: NaN");
    assertThatThrownBy(
            () ->
                new LinearHead(
                    List.of("a"), new float[][] {{1f}}, new float[] {Float.POSITIVE_INFINITY}, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bias[0] must be finite, got: Infinity");
    assertThatThrownBy(() -> new LinearHead(List.of("a"), new float[][] {{1f}}, new float[1], 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dropoutRate must be in [0, 1), got: 1.0");
  }

  @Test
  void rejectsBadFeaturesAndMasks() {
    LinearHead h = head();
    assertThatThrownBy(() -> h.logits(new float[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("features must have length inputDim 2, got: 3");
    assertThatThrownBy(() -> h.logits(new float[] {0f, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("features[1] must be finite, got: NaN");
    assertThatThrownBy(() -> h.logits(new float[2], new float[1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dropoutMask must have length inputDim 2, got: 1");
  }
}
