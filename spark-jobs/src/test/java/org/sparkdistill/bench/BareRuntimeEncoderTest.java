package org.sparkdistill.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkdistill.testing.TestConfigs;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/** The benchmark's baseline computes the project's vectors, by its own code path. */
class BareRuntimeEncoderTest {
  @Test
  void bareRuntimeVectorsEqualTheProjectsWithin1e5() {
    Engine.getEngine("OnnxRuntime");
    String model = TestConfigs.encoderDir().resolve("all-minilm-l6-v2.onnx").toString();
    EncoderSpec spec =
        new EncoderSpec(
            org.sparkdistill.udfs.model.ModelFile.local("encoder.model", java.nio.file.Paths.get(model)),
            org.sparkdistill.udfs.model.ModelFile.local("encoder.tokenizer", TestConfigs.encoderDir().resolve("all-minilm-l6-v2-tokenizer.json")),
            new TokenizerSettings(64, true),
            Pooling.MEAN,
            true,
            1,
            DeviceSelector.Preference.CPU);
    List<String> texts =
        List.of(
            "Real-time strategy game of ancient warfare",
            "command-line tool for transferring data with URL syntax",
            "TeX",
            "library for reading and writing audio files in many formats, with a long description ".repeat(4));
    try (OnnxSentenceEncoder encoder = OnnxSentenceEncoder.load(spec, Device.cpu());
        OnnxSentenceEncoder.Session session = encoder.newSession();
        BareRuntimeEncoder bare = new BareRuntimeEncoder(model, 1, true)) {
      TokenizedBatch tokens = encoder.tokenizer().tokenize(texts, List.of("a", "b", "c", "d"));
      float[][] project = session.encode(tokens).vectors();
      float[][] baseline = bare.encode(tokens);
      assertThat(baseline).hasDimensions(4, 384);
      for (int i = 0; i < texts.size(); i++) {
        for (int d = 0; d < 384; d++) {
          assertThat(baseline[i][d]).as("row %d dim %d", i, d).isCloseTo(project[i][d], org.assertj.core.data.Offset.offset(1e-5f));
        }
      }
      // Padding is masked out: a row alone gives the vector it gets in the padded batch.
      float[] alone = bare.encode(tokens.select(new int[] {2}))[0];
      for (int d = 0; d < 384; d++) {
        assertThat(alone[d]).isCloseTo(baseline[2][d], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void flopsFollowTheBertFormula() {
    TokenizedBatch b = new TokenizedBatch(new long[2][10], new long[2][10], new long[2][10], new int[] {10, 7}, new boolean[2]);
    // 6 layers x (2*B*L*(4*384^2 + 2*384*1536) + 4*B*L^2*384), B = 2, L = 10, by hand:
    // 2*2*10*(589,824 + 1,179,648) = 70,778,880; 4*2*100*384 = 307,200; sum 71,086,080; x6.
    assertThat(EncoderFlops.MINILM_L6.of(b)).isEqualTo(426_516_480.0);
  }
}
