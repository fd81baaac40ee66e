package org.sparkdistill.udfs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/** The real all-MiniLM-L6-v2 encoder and tokenizer, unpacked by the build. */
class OnnxSentenceEncoderTest {
  private static final Path DIR =
      Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static final Path MODEL = DIR.resolve("all-minilm-l6-v2.onnx");
  private static final Path TOKENIZER = DIR.resolve("all-minilm-l6-v2-tokenizer.json");
  private static final String LONG_TEXT = "the quick brown fox jumps over the lazy dog ".repeat(40);

  private static OnnxSentenceEncoder encoder;

  @BeforeAll
  static void load() {
    encoder = OnnxSentenceEncoder.load(spec(128, true), Device.cpu());
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  private static EncoderSpec spec(int maxLength, boolean truncation) {
    return new EncoderSpec(
        ModelFile.local("encoder.model", MODEL), ModelFile.local("encoder.tokenizer", TOKENIZER), new TokenizerSettings(maxLength, truncation), Pooling.MEAN, true, 1, DeviceSelector.Preference.CPU);
  }

  @Test
  void similarSentencesAreCloserThanUnrelatedOnes() {
    List<String> texts =
        List.of(
            "A man is playing a guitar on stage.",
            "Someone performs music with a guitar.",
            "The stock market fell sharply on Monday.");
    try (OnnxSentenceEncoder.Session session = encoder.newSession()) {
      float[][] v = session.encode(texts, List.of("a", "b", "c")).vectors();
      assertThat(v[0]).hasSize(384);
      assertThat(dot(v[0], v[0])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
      assertThat(dot(v[0], v[1])).isGreaterThan(0.4).isGreaterThan(dot(v[0], v[2]) + 0.3);
    }
  }

  @Test
  void aBatchGivesTheSameVectorsAsOneTextAtATime() {
    List<String> texts = List.of("short text", "a somewhat longer text about network daemons and mail servers");
    try (OnnxSentenceEncoder.Session session = encoder.newSession()) {
      float[][] batch = session.encode(texts, List.of("a", "b")).vectors();
      float[][] single = session.encode(texts.subList(0, 1), List.of("a")).vectors();
      for (int i = 0; i < 384; i++) {
        assertThat(batch[0][i]).isCloseTo(single[0][i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void longTextsAreTruncatedToTheConfiguredLengthAndFlagged() {
    try (OnnxSentenceEncoder.Session session = encoder.newSession()) {
      var out = session.encode(List.of(LONG_TEXT, "short"), List.of("long", "short"));
      assertThat(out.truncated()).containsExactly(true, false);
      assertThat(out.numTokens()[0]).isEqualTo(128);
    }
  }

  @Test
  void maxLengthIsSetExplicitlyNotInheritedFromTheTokenizerFile() {
    // The file itself truncates at 128; an explicit 256 must win.
    try (TextTokenizer tokenizer = TextTokenizer.load(TOKENIZER, new TokenizerSettings(256, true))) {
      TokenizedBatch batch = tokenizer.tokenize(List.of(LONG_TEXT), List.of("long"));
      assertThat(batch.numTokens()[0]).isEqualTo(256);
      assertThat(batch.truncated()[0]).isTrue();
    }
    try (TextTokenizer tokenizer = TextTokenizer.load(TOKENIZER, new TokenizerSettings(1024, true))) {
      TokenizedBatch batch = tokenizer.tokenize(List.of(LONG_TEXT), List.of("long"));
      assertThat(batch.numTokens()[0]).isGreaterThan(300);
      assertThat(batch.truncated()[0]).isFalse();
    }
  }

  @Test
  void truncationOffRejectsALongTextNamingTheRow() {
    try (TextTokenizer tokenizer = TextTokenizer.load(TOKENIZER, new TokenizerSettings(64, false))) {
      assertThatThrownBy(() -> tokenizer.tokenize(List.of("fine", LONG_TEXT), List.of("row-1", "row-2")))
          .hasMessageContaining("row id=row-2")
          .hasMessageContaining("maxLength=64");
    }
  }

  @Test
  void missingAndCorruptFilesAreNamed(@TempDir Path tmp) throws Exception {
    EncoderSpec missing =
        new EncoderSpec(ModelFile.local("encoder.model", tmp.resolve("none.onnx")), ModelFile.local("encoder.tokenizer", TOKENIZER), new TokenizerSettings(32, true), Pooling.MEAN, true, 1, DeviceSelector.Preference.CPU);
    assertThatThrownBy(() -> OnnxSentenceEncoder.load(missing, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("does not exist")
        .hasMessageContaining("none.onnx");
    Path garbage = Files.write(tmp.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4});
    EncoderSpec corrupt =
        new EncoderSpec(ModelFile.local("encoder.model", garbage), ModelFile.local("encoder.tokenizer", TOKENIZER), new TokenizerSettings(32, true), Pooling.MEAN, true, 1, DeviceSelector.Preference.CPU);
    assertThatThrownBy(() -> OnnxSentenceEncoder.load(corrupt, Device.cpu()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("not a loadable ONNX model")
        .hasMessageContaining("garbage.onnx");
    Path badTokenizer = Files.writeString(tmp.resolve("tokenizer.json"), "{\"not\": \"a tokenizer\"}");
    assertThatThrownBy(() -> TextTokenizer.load(badTokenizer, new TokenizerSettings(32, true)))
        .hasMessageContaining("not a valid Hugging Face tokenizer.json")
        .hasMessageContaining(badTokenizer.toString());
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
