package org.sparkdistill.udfs.kgc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.model.TeacherLoadException;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertEncoder;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTuneResult;
import org.sparkdistill.udfs.transformer.FineTuneTrainer;

/**
 * Fine-tunes the SimKGC bi-encoder (two all-MiniLM-L6-v2 encoders, 24 tokens) on a handful of
 * WordNet-like facts: it learns (the training pairs' loss, computed before and after, falls), the
 * temperature moves, both encoders start as the pretrained encoder, and the artifact round-trips.
 */
class BiEncoderTrainerTest {
  private static final Path DIR = Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static final String[][] FACTS = {
    {"dog", "dog: a domesticated carnivorous mammal kept as a pet", "hypernym", "canine", "canine: a mammal of the dog family"},
    {"cat", "cat: a small domesticated feline mammal", "hypernym", "feline", "feline: a mammal of the cat family"},
    {"oak", "oak: a tree bearing acorns", "hypernym", "tree", "tree: a tall woody perennial plant"},
    {"violin", "violin: a bowed stringed instrument", "hypernym", "instrument", "instrument: a device that makes music"},
    {"wheel", "wheel: a round frame turning on an axle", "part_of", "car", "car: a motor vehicle with four wheels"},
    {"petal", "petal: a coloured leaf of a flower", "part_of", "flower", "flower: the reproductive part of a plant"},
    {"run", "run: move fast on foot", "derivationally_related_form", "runner", "runner: someone who runs"},
    {"teach", "teach: impart knowledge", "derivationally_related_form", "teacher", "teacher: someone who teaches"},
  };
  private static final BiEncoderOptions OPTIONS = new BiEncoderOptions(4, 4, 1e-4, 1e-4, 0.0, 10.0, 4, 0.02f, true, true, true, 3);

  @TempDir static Path tmp;
  private static NDManager manager;
  private static TextTokenizer tokenizer;
  private static BertWeights weights;
  private static BiEncoder model;
  private static KgcExamples pairs;
  private static double before;
  private static FineTuneResult result;

  @BeforeAll
  static void train() {
    manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    tokenizer = TextTokenizer.load(DIR.resolve("all-minilm-l6-v2-tokenizer.json"), new TokenizerSettings(24, true));
    weights = BertWeights.fromOnnx(DIR.resolve("all-minilm-l6-v2.onnx"), 12);
    model = BiEncoder.fromWeights(weights, manager, 0.1f, 0.1f, 0.05);
    pairs = pairs();
    BiEncoderTrainer trainer = new BiEncoderTrainer(OPTIONS);
    before = trainer.validate(model, manager, tokenizer, pairs).loss();
    result = trainer.train(model, manager, tokenizer, pairs, pairs);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
    manager.close();
  }

  @Test
  void learnsTheTrainingPairs() {
    double after = new BiEncoderTrainer(OPTIONS).validate(model, manager, tokenizer, pairs).loss();
    assertThat(after).as("loss on the training pairs before %s, after %s", before, after).isLessThan(before);
    assertThat(result.bestValidationLoss()).isEqualTo(after);
    assertThat(result.steps()).isEqualTo(4L * 4);
    assertThat(result.history()).hasSizeLessThanOrEqualTo(4);
    assertThat(model.temperature()).isNotEqualTo(0.05);
  }

  @Test
  void bothEncodersStartAsThePretrainedEncoder() {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      BiEncoder fresh = BiEncoder.fromWeights(weights, m, 0.1f, 0.1f, 0.05);
      BertEncoder reference = BertEncoder.fromWeights(weights, m, 0.1f, 0.1f);
      TokenizedBatch tokens = tokenizer.tokenize(List.of(FACTS[0][1], FACTS[1][1]), List.of("a", "b"));
      ParameterStore ps = new ParameterStore(m, false);
      var inputs = FineTuneTrainer.inputs(m, tokens);
      float[] expected = BertEncoder.l2Normalize(reference.forward(ps, inputs, false).singletonOrThrow()).toFloatArray();
      assertThat(fresh.queries(ps, inputs, false).toFloatArray()).containsExactly(expected);
      assertThat(fresh.entities(ps, inputs, false).toFloatArray()).containsExactly(expected);
      assertThat(fresh.temperature()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void theArtifactRoundTripsAndABadFileIsNamed() throws Exception {
    Path params = tmp.resolve(BiEncoderMeta.PARAMS_FILE);
    try (OutputStream out = Files.newOutputStream(params); DataOutputStream data = new DataOutputStream(out)) {
      model.saveParameters(data);
    }
    BiEncoderMeta meta = new BiEncoderMeta(BiEncoderMeta.FORMAT, weights.shape(), 0.1f, 0.1f, 24, model.temperature(), "e", "t");
    TokenizedBatch tokens = tokenizer.tokenize(List.of(FACTS[2][1], FACTS[3][4]), List.of("a", "b"));
    try (LoadedBiEncoder loaded = LoadedBiEncoder.load(params, meta, Device.cpu()); NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      float[] expected = model.entities(new ParameterStore(m, false), FineTuneTrainer.inputs(m, tokens), false).toFloatArray();
      float[][] got = loaded.encode(tokens, LoadedBiEncoder.Side.ENTITY);
      assertThat(got[0]).containsExactly(java.util.Arrays.copyOfRange(expected, 0, 384));
      assertThat(loaded.model().temperature()).isEqualTo(model.temperature());
    }
    Path truncated = tmp.resolve("truncated.params");
    Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(params), 1000));
    assertThatThrownBy(() -> LoadedBiEncoder.load(truncated, meta, Device.cpu())).isInstanceOf(TeacherLoadException.class).hasMessageContaining(truncated.toString());
  }

  private static KgcExamples pairs() {
    List<String> keys = new ArrayList<>();
    List<String> queries = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    List<String> sourceTexts = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    List<String> targetTexts = new ArrayList<>();
    Map<String, Set<String>> answers = new HashMap<>();
    for (String[] f : FACTS) {
      String relation = f[2].replace('_', ' ');
      add(keys, queries, sources, sourceTexts, targets, targetTexts, answers, "f|" + f[0] + "|" + f[2], relation + ": " + f[1], f[0], f[1], f[3], f[4]);
      add(keys, queries, sources, sourceTexts, targets, targetTexts, answers, "b|" + f[3] + "|" + f[2], "inverse " + relation + ": " + f[4], f[3], f[4], f[0], f[1]);
    }
    return new KgcExamples(keys, queries, sources, sourceTexts, targets, targetTexts, answers);
  }

  private static void add(
      List<String> keys, List<String> queries, List<String> sources, List<String> sourceTexts, List<String> targets, List<String> targetTexts, Map<String, Set<String>> answers,
      String key, String query, String source, String sourceText, String target, String targetText) {
    keys.add(key);
    queries.add(query);
    sources.add(source);
    sourceTexts.add(sourceText);
    targets.add(target);
    targetTexts.add(targetText);
    answers.computeIfAbsent(key, k -> new HashSet<>()).add(target);
  }
}
