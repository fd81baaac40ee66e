package org.sparkdistill.udfs.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Readouts with auxiliary outputs (embedding distillation's projection): skipped, hand-computed. */
class ReadoutTest {
  private static final List<String> CLASSES = List.of("neg", "pos");

  @Test
  void auxiliaryOutputsAreLeftOutOfTheSoftmax() {
    Readout r = Readout.withAuxiliary(CLASSES, 3);
    assertThat(r.outputClass()).containsExactly(0, 1, -1, -1, -1);
    assertThat(r.outputs()).isEqualTo(5);
    assertThat(r.auxiliaryOutputs()).isEqualTo(3);
    assertThat(r.isIdentity()).isFalse();
    // softmax over the class logits (0, ln 3) = (1/4, 3/4); the projection's 50 and −50 do not count
    float[] p = r.fromLogits(new float[] {0f, (float) Math.log(3), 50f, -50f, 7f});
    assertThat((double) p[0]).isCloseTo(0.25, within(1e-7));
    assertThat((double) p[1]).isCloseTo(0.75, within(1e-7));
    assertThatThrownBy(() -> r.classProbabilities(new float[5])).hasMessageContaining("3 auxiliary outputs: read classes with fromLogits");
    assertThat(r.toString()).isEqualTo("Readout(identity over [neg, pos], then 3 auxiliary outputs)");
  }

  @Test
  void fromLogitsEqualsSoftmaxThenSumWithoutAuxiliaryOutputs() {
    Readout grouped = new Readout(CLASSES, new int[] {0, 0, 1});
    // softmax(0, 0, ln 2) = (1/4, 1/4, 1/2) → (1/2, 1/2)
    float[] p = grouped.fromLogits(new float[] {0f, 0f, (float) Math.log(2)});
    assertThat((double) p[0]).isCloseTo(0.5, within(1e-7));
    assertThat((double) p[1]).isCloseTo(0.5, within(1e-7));
    assertThat(Readout.withAuxiliary(CLASSES, 0)).isEqualTo(Readout.identity(CLASSES));
    assertThat(Readout.identity(CLASSES).toString()).isEqualTo("Readout(identity over [neg, pos])");
  }

  @Test
  void jsonRoundTripKeepsAuxiliaryOutputsAndRefusesOtherNegatives() throws Exception {
    ObjectMapper json = new ObjectMapper();
    Readout r = Readout.withAuxiliary(CLASSES, 2);
    assertThat(json.readValue(json.writeValueAsString(r), Readout.class)).isEqualTo(r);
    assertThatThrownBy(() -> new Readout(CLASSES, new int[] {0, 1, -2})).hasMessageContaining("outputClass[2] must be a class index in [0, 2) or -1 (auxiliary), got: -2");
    assertThatThrownBy(() -> new Readout(CLASSES, new int[] {0, -1})).hasMessageContaining("readout gives class pos no output");
  }
}
