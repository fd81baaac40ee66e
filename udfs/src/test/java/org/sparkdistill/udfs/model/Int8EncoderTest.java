package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/** The quantized all-MiniLM-L6-v2 (encoder.precision: int8) against the fp32 file on real texts. */
class Int8EncoderTest {
  private static final Path FP32 =
      Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static final Path INT8 =
      Paths.get(System.getProperty("spark.distill.encoder.int8.dir", "../target/models/all-minilm-l6-v2-q"));

  private static EncoderSpec spec(Path model) {
    return new EncoderSpec(
        ModelFile.local("encoder.model", model), ModelFile.local("encoder.tokenizer", FP32.resolve("all-minilm-l6-v2-tokenizer.json")), new TokenizerSettings(128, true), Pooling.MEAN, true, 1, DeviceSelector.Preference.CPU);
  }

  /** Every 200th Debian package description of the committed snapshot. */
  private static List<String> debianTexts() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> texts = new ArrayList<>();
    Path file = Paths.get("../data/debian/debian-sections-20.jsonl.gz");
    try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      String line;
      int i = 0;
      while ((line = in.readLine()) != null) {
        if (i++ % 200 == 0) {
          texts.add(json.readTree(line).get("text").asText());
        }
      }
    }
    return texts;
  }

  @Test
  void int8VectorsPointWhereFp32OnesDoOnRealTexts() throws Exception {
    List<String> texts = debianTexts();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      ids.add("debian-" + i);
    }
    assertThat(texts).hasSizeGreaterThan(50);
    try (OnnxSentenceEncoder fp32 = OnnxSentenceEncoder.load(spec(FP32.resolve("all-minilm-l6-v2.onnx")), Device.cpu());
        OnnxSentenceEncoder int8 = OnnxSentenceEncoder.load(spec(INT8.resolve("all-minilm-l6-v2-q.onnx")), Device.cpu());
        OnnxSentenceEncoder.Session f = fp32.newSession();
        OnnxSentenceEncoder.Session q = int8.newSession()) {
      TokenizedBatch tokens = fp32.tokenizer().tokenize(texts, ids);
      float[][] a = f.encode(tokens).vectors();
      float[][] b = q.encode(tokens).vectors();
      double sum = 0;
      for (int i = 0; i < texts.size(); i++) {
        double cos = 0;
        for (int d = 0; d < a[i].length; d++) {
          cos += (double) a[i][d] * b[i][d]; // both L2-normalised
        }
        assertThat(cos).as("cosine of %s", ids.get(i)).isGreaterThan(0.9);
        sum += cos;
      }
      assertThat(sum / texts.size()).isGreaterThan(0.95);
      // Not the same numbers: the quantized file really is another encoder.
      assertThat(a[0]).isNotEqualTo(b[0]);
    }
  }
}
