package org.sparkdistill.udfs.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.uncertainty.DropoutMask;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;

/**
 * Fine-tunes all-MiniLM-L6-v2 + a head on a small slice of real Debian texts (4 sections, 12 texts
 * each, 32 tokens): it learns, the artifact round-trips, and seeded MC dropout is reproducible.
 */
class FineTuneTrainerTest {
  private static final Path DIR = Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static final List<String> SECTIONS = List.of("games", "fonts", "hamradio", "tex");
  private static final int MAX_LENGTH = 32;

  @TempDir static Path tmp;

  private static NDManager manager;
  private static TextTokenizer tokenizer;
  private static BertClassifier model;
  private static FineTuneResult result;
  private static LabelledTexts validation;
  private static FineTunedMeta meta;

  @BeforeAll
  static void train() {
    manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    tokenizer = TextTokenizer.load(DIR.resolve("all-minilm-l6-v2-tokenizer.json"), new TokenizerSettings(MAX_LENGTH, true));
    BertWeights weights = BertWeights.fromOnnx(DIR.resolve("all-minilm-l6-v2.onnx"), 12);
    BertEncoder encoder = BertEncoder.fromWeights(weights, manager, 0.1f, 0.1f);
    model = BertClassifier.create(encoder, SECTIONS.size(), 0.1f, true, manager, 7);
    List<DebianTexts.Text> texts = DebianTexts.sample(7, 88, SECTIONS);
    List<DebianTexts.Text> train = new ArrayList<>();
    List<DebianTexts.Text> val = new ArrayList<>();
    for (String section : SECTIONS) {
      List<DebianTexts.Text> of = texts.stream().filter(t -> t.section().equals(section)).toList();
      train.addAll(of.subList(0, Math.min(12, of.size())));
      val.addAll(of.subList(Math.min(12, of.size()), of.size()));
    }
    validation = labelled(val);
    meta = new FineTunedMeta(FineTunedMeta.FORMAT, weights.shape(), SECTIONS, 0.1f, 0.1f, 0.1f, true, MAX_LENGTH, "e", "t");
    result = new FineTuneTrainer(new FineTuneOptions(3, 8, 5e-5, 1e-2, 0.01, 0.1, 1.0, 3, 11)).train(model, manager, tokenizer, labelled(train), validation);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
    manager.close();
  }

  private static LabelledTexts labelled(List<DebianTexts.Text> texts) {
    return new LabelledTexts(
        texts.stream().map(DebianTexts.Text::id).toList(),
        texts.stream().map(DebianTexts.Text::text).toList(),
        texts.stream().mapToInt(t -> SECTIONS.indexOf(t.section())).toArray());
  }

  @Test
  void itLearnsTheSections() {
    List<Map<String, Object>> h = result.history();
    System.out.println("FineTuneTrainerTest history: " + h + "; validation rows " + validation.size());
    double first = (double) h.get(0).get("trainLoss");
    double last = (double) h.get(h.size() - 1).get("trainLoss");
    assertThat(last).isLessThan(first * 0.7);
    // chance is 0.25 on 4 sections
    assertThat(result.bestValidationAccuracy()).isGreaterThan(0.6);
    assertThat(FineTuneTrainer.evaluate(model, manager, tokenizer, validation).accuracy()).isEqualTo(result.bestValidationAccuracy());
  }

  @Test
  void theArtifactRoundTripsToIdenticalLogits() throws Exception {
    Path params = tmp.resolve(FineTunedMeta.PARAMS_FILE);
    try (OutputStream out = Files.newOutputStream(params)) {
      FineTunedTeacher.saveParameters(model, out);
    }
    TokenizedBatch tokens = tokenizer.tokenize(validation.texts().subList(0, 6), validation.ids().subList(0, 6));
    float[][] expected;
    try (NDManager m = manager.newSubManager()) {
      expected = rows(model.forward(new ParameterStore(m, false), FineTuneTrainer.inputs(m, tokens), false).get(0).toFloatArray(), SECTIONS.size());
    }
    try (FineTunedTeacher loaded = FineTunedTeacher.load(params, meta, Device.cpu())) {
      float[][] got = loaded.score(tokens, keys(validation.ids().subList(0, 6)), 0, 0, 0).logits();
      for (int i = 0; i < expected.length; i++) {
        assertThat(got[i]).containsExactly(expected[i]);
      }
    }
    Files.write(tmp.resolve("short.params"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> FineTunedTeacher.load(tmp.resolve("short.params"), meta, Device.cpu()))
        .hasMessageContaining("short.params do not load as a");
  }

  @Test
  void seededMcDropoutDependsOnTheRowNotOnItsBatch() {
    FineTunedTeacher teacher = FineTunedTeacher.of(model, meta, manager.newSubManager());
    List<String> ids = validation.ids().subList(0, 3);
    List<String> texts = validation.texts().subList(0, 3);
    TokenizedBatch all = tokenizer.tokenize(texts, ids);
    TokenizedBatch last = tokenizer.tokenize(texts.subList(2, 3), ids.subList(2, 3));
    for (McMasks masks : McMasks.values()) {
      for (int mcLayers : new int[] {0, 1, 6}) {
        McDropoutStatistics inBatch = teacher.score(all, keys(ids), 4, 99, mcLayers, masks).mc().get(2);
        McDropoutStatistics alone = teacher.score(last, keys(ids.subList(2, 3)), 4, 99, mcLayers, masks).mc().get(0);
        for (int c = 0; c < SECTIONS.size(); c++) {
          assertThat(alone.meanProbabilities()[c]).as("%s, mcLayers %d", masks, mcLayers).isCloseTo(inBatch.meanProbabilities()[c], org.assertj.core.data.Offset.offset(1e-4f));
        }
        assertThat(inBatch.variance()[0] + inBatch.variance()[1]).isGreaterThan(0f);
        // a retried task recomputes the same batch: the same bits
        assertThat(teacher.score(all, keys(ids), 4, 99, mcLayers, masks).mc().get(2).meanProbabilities()).containsExactly(inBatch.meanProbabilities());
      }
      float[] headOnly = teacher.score(all, keys(ids), 4, 99, 0, masks).mc().get(0).meanProbabilities();
      float[] topLayer = teacher.score(all, keys(ids), 4, 99, 1, masks).mc().get(0).meanProbabilities();
      assertThat(topLayer).isNotEqualTo(headOnly);
    }
    // the default is the tensor masks; head-only MC draws the Java head mask either way
    assertThat(teacher.score(all, keys(ids), 4, 99, 6).mc().get(0).meanProbabilities()).containsExactly(teacher.score(all, keys(ids), 4, 99, 6, McMasks.TENSOR).mc().get(0).meanProbabilities());
    assertThat(teacher.score(all, keys(ids), 4, 99, 6, McMasks.JAVA).mc().get(0).meanProbabilities()).isNotEqualTo(teacher.score(all, keys(ids), 4, 99, 6).mc().get(0).meanProbabilities());
    assertThat(teacher.score(all, keys(ids), 4, 99, 0, McMasks.JAVA).mc().get(0).meanProbabilities()).containsExactly(teacher.score(all, keys(ids), 4, 99, 0).mc().get(0).meanProbabilities());
    assertThatThrownBy(() -> teacher.score(all, keys(ids), 4, 99, 7)).hasMessageContaining("mcLayers must be in [0, 6]");
    assertThatThrownBy(() -> teacher.score(all, keys(ids), 4, 99, 1, null)).hasMessageContaining("masks must be one of [JAVA, TENSOR], got null");
  }

  /** Two task threads scoring at once on a fresh teacher (its tensor-mask table built lazily) get the bits of one thread. */
  @Test
  void twoThreadsDrawTheSameTensorMasks() throws Exception {
    List<String> ids = validation.ids().subList(0, 3);
    TokenizedBatch batch = tokenizer.tokenize(validation.texts().subList(0, 3), ids);
    float[] expected;
    try (FineTunedTeacher alone = FineTunedTeacher.of(model, meta, manager.newSubManager())) {
      expected = alone.score(batch, keys(ids), 3, 5, 6).mc().get(1).meanProbabilities();
    }
    try (FineTunedTeacher shared = FineTunedTeacher.of(model, meta, manager.newSubManager())) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        java.util.concurrent.Callable<float[]> task = () -> shared.score(batch, keys(ids), 3, 5, 6).mc().get(1).meanProbabilities();
        var a = pool.submit(task);
        var b = pool.submit(task);
        assertThat(a.get()).containsExactly(expected);
        assertThat(b.get()).containsExactly(expected);
      } finally {
        pool.shutdown();
      }
    }
  }

  private static long[] keys(List<String> ids) {
    return ids.stream().mapToLong(DropoutMask::rowKey).toArray();
  }

  private static float[][] rows(float[] flat, int cols) {
    float[][] out = new float[flat.length / cols][cols];
    for (int i = 0; i < out.length; i++) {
      System.arraycopy(flat, i * cols, out[i], 0, cols);
    }
    return out;
  }

  /**
   * A head set from class-major weights gives logits = features · Wᵀ + b, computed here in double
   * precision from {@link FineTuneTrainer#features} (a transposed layout would not), and those
   * features are unit vectors (the classifier normalises).
   */
  @Test
  void aSetHeadScoresTheFeaturesItWasGiven() {
    BertWeights weights = BertWeights.fromOnnx(DIR.resolve("all-minilm-l6-v2.onnx"), 12);
    BertClassifier probed = BertClassifier.create(BertEncoder.fromWeights(weights, manager, 0.1f, 0.1f), SECTIONS.size(), 0.1f, true, manager, 3);
    int hidden = weights.shape().hidden();
    float[][] w = new float[SECTIONS.size()][hidden];
    for (int c = 0; c < w.length; c++) {
      for (int h = 0; h < hidden; h++) {
        w[c][h] = ((c + 1) * (h % 7) - 3) * 0.01f;
      }
    }
    float[] b = {0.1f, -0.2f, 0.3f, 0f};
    probed.setHead(w, b);
    float[][] features = FineTuneTrainer.features(probed, manager, tokenizer, validation);
    int n = Math.min(8, validation.size());
    TokenizedBatch tokens = tokenizer.tokenize(validation.texts().subList(0, n), validation.ids().subList(0, n));
    float[] logits;
    try (NDManager tmp = manager.newSubManager()) {
      logits = probed.forward(new ParameterStore(tmp, false), FineTuneTrainer.inputs(tmp, tokens), false).get(0).toFloatArray();
    }
    for (int i = 0; i < n; i++) {
      double norm = 0;
      for (float v : features[i]) {
        norm += (double) v * v;
      }
      assertThat(Math.sqrt(norm)).as("feature norm, row " + i).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
      for (int c = 0; c < w.length; c++) {
        double expected = b[c];
        for (int h = 0; h < hidden; h++) {
          expected += (double) features[i][h] * w[c][h];
        }
        assertThat((double) logits[i * w.length + c]).as("logit (" + i + ", " + c + ")").isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-4));
      }
    }
    assertThatThrownBy(() -> probed.setHead(new float[3][hidden], new float[3])).hasMessageContaining("needs 4 weight rows");
  }
}
