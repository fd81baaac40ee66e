package org.sparkdistill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdistill.testing.TestConfigs;

/** encoder.precision and encoder.maxBatchTokens: which file runs, and the values refused. */
class EncoderSettingsTest {
  private static DistillConfig load(String... overrides) {
    return ConfigLoader.load(TestConfigs.projectRoot().resolve("conf/local.yaml"), List.of(overrides));
  }

  @Test
  void precisionChoosesTheModelFile() {
    DistillConfig fp32 = load();
    assertThat(fp32.encoder.precision).isEqualTo("fp32");
    assertThat(fp32.encoder.modelFile()).isEqualTo(fp32.encoder.model);
    DistillConfig int8 = load("encoder.precision=int8");
    assertThat(int8.encoder.modelFile()).isEqualTo(int8.encoder.int8Model).endsWith("all-minilm-l6-v2-q.onnx");
  }

  @Test
  void badValuesAreRefusedWithTheKeyAndValue() {
    assertThatThrownBy(() -> load("encoder.precision=fp16")).hasMessageContaining("encoder.precision must be one of fp32, int8, got: fp16");
    assertThatThrownBy(() -> load("encoder.maxBatchTokens=100"))
        .hasMessageContaining("encoder.maxBatchTokens must be 0 (row batches) or >= encoder.maxLength 128")
        .hasMessageContaining("got: 100");
    assertThat(load("encoder.maxBatchTokens=128").encoder.maxBatchTokens).isEqualTo(128);
  }
}
