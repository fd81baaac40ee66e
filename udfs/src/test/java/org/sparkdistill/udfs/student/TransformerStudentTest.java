package org.sparkdistill.udfs.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkdistill.udfs.model.ModelLoadException;
import org.sparkdistill.udfs.onnx.OnnxInitializers;
import org.sparkdistill.udfs.train.KdLoss;
import org.sparkdistill.udfs.train.ResumableAdam;
import org.sparkdistill.udfs.train.TrainingBatch;
import org.sparkdistill.udfs.train.TrainingStep;
import org.sparkdistill.udfs.transformer.LayerMap;

/**
 * The transformer student: its layers are the teacher's mapped layers (checked against the ONNX
 * file's initializers read here by name, not through {@code BertWeights}), its features are the
 * teacher's WordPiece ids, it round-trips through save and load with its tokenizer, trains through
 * the shared training step, and bad layer maps or teacher files are one-line errors.
 */
class TransformerStudentTest {
  private static final Path DIR = Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static final Path MODEL = DIR.resolve("all-minilm-l6-v2.onnx");
  private static final Path TOKENIZER = DIR.resolve("all-minilm-l6-v2-tokenizer.json");
  private static final Path INT8 = Paths.get("../target/models/all-minilm-l6-v2-q/all-minilm-l6-v2-q.onnx");
  private static final List<String> LABELS = List.of("games", "fonts", "hamradio", "tex");
  private static final List<String> TEXTS =
      List.of(
          "a fast paced arcade game with joystick support",
          "TrueType fonts for the X Window System covering Latin and Greek",
          "amateur radio logging program",
          "LaTeX macros for typesetting chess diagrams and music scores, with documentation");

  private static OnnxInitializers onnx;

  @BeforeAll
  static void read() {
    onnx = OnnxInitializers.read(MODEL);
  }

  static ObjectNode settings(List<Integer> layers, int maxLength) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode s = json.createObjectNode();
    ObjectNode t = s.putObject("transformer");
    layers.forEach(t.putArray("layers")::add);
    t.put("maxLength", maxLength).put("learningRate", 5e-5).put("headLearningRate", 1e-3).put("warmupSteps", 10);
    t.put("hiddenDropout", 0.1).put("attentionDropout", 0.1).put("headDropout", 0.1).put("attentionHeads", 12).put("model", "").put("tokenizer", "");
    s.putObject("teacherEncoder").put("model", MODEL.toString()).put("tokenizer", TOKENIZER.toString()).put("maxLength", 128);
    return s;
  }

  static TransformerStudent architecture(List<Integer> layers) {
    return (TransformerStudent) StudentArchitectures.fromSettings("transformer", settings(layers, 32), LABELS);
  }

  /** The teacher's tensor of layer {@code layer} by Hugging Face name, straight from the initializers. */
  private static float[] teacher(String name) {
    OnnxInitializers.Tensor t = onnx.initializers().get(name);
    if (t == null) {
      // dense weights are anonymous: the MatMul node named after the place holds them
      String node = "/" + name.substring(0, name.length() - ".weight".length()).replace("encoder.layer.", "encoder/layer.").replaceAll("\\.(?=[a-z])", "/") + "/MatMul";
      t = onnx.initializers().get(onnx.matMulWeights().get(node));
      assertThat(t).as("MatMul node " + node).isNotNull();
    }
    return t.values();
  }

  @Test
  void everyStudentLayerIsTheMappedTeacherLayerAndTheShapesAddUp() {
    TransformerStudent arch = architecture(List.of(0, 2, 5));
    assertThat(arch.shape().layers()).isEqualTo(3);
    assertThat(arch.teacherLayers()).isEqualTo(6);
    try (StudentModel student = StudentModel.create(arch, Readout.identity(LABELS), 7, ai.djl.Device.cpu())) {
      Map<String, float[]> values = new LinkedHashMap<>();
      Map<String, Long> sizes = new LinkedHashMap<>();
      long total = 0;
      for (Pair<String, Parameter> p : student.block().getParameters()) {
        NDArray a = p.getValue().getArray();
        values.put(p.getKey(), a.toFloatArray());
        sizes.put(p.getKey(), a.getShape().size());
        total += a.getShape().size();
        assertThat(a.hasGradient()).as(p.getKey()).isTrue();
      }
      assertThat(new ArrayList<>(values.keySet())).isEqualTo(new ArrayList<>(arch.parameterShapes().keySet()));
      // by hand: embeddings (30522 + 512 + 2)·384 + 2·384; per layer 4·(384² + 384) + 2·384 + 384·1536 + 1536 + 1536·384 + 384 + 2·384; head 384·4 + 4
      long embeddings = 31036L * 384 + 768;
      long layer = 4L * (384 * 384 + 384) + 768 + 384L * 1536 + 1536 + 1536L * 384 + 384 + 768;
      assertThat(arch.parameterCount()).isEqualTo(embeddings + 3 * layer + 384 * 4 + 4).isEqualTo(total).isEqualTo(17_243_524L);
      int[] map = {0, 2, 5};
      int compared = 0;
      for (String key : values.keySet()) {
        String name = key.replace("01classifier_01encoder_", "");
        if (key.contains("head.")) {
          continue;
        }
        String teacherName = name;
        if (name.startsWith("encoder.layer.")) {
          int i = Integer.parseInt(name.split("\\.")[2]);
          teacherName = name.replaceFirst("^encoder\\.layer\\.\\d+\\.", "encoder.layer." + map[i] + ".");
        }
        assertThat(values.get(key)).as(key + " = teacher " + teacherName).isEqualTo(teacher(teacherName));
        compared++;
      }
      assertThat(compared).isEqualTo(5 + 3 * 16);
      // and not some other layer: student layer 1 is teacher layer 2, not 1
      assertThat(values.get("01classifier_01encoder_encoder.layer.1.attention.self.query.bias")).isNotEqualTo(teacher("encoder.layer.1.attention.self.query.bias"));

      float[][] logits = student.logits(TEXTS);
      assertThat(logits.length).isEqualTo(4);
      assertThat(logits[0]).hasSize(4);
      float[][] p = student.probabilities(TEXTS);
      assertThat(p[3][0] + p[3][1] + p[3][2] + p[3][3]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  /**
   * From a fine-tuned teacher's parameters file, the student copies the fine-tuned layers: one
   * teacher tensor is moved by hand (+0.25) before saving, and the student layer mapped to it holds
   * the moved values while an untouched layer still equals the ONNX initializers.
   */
  @Test
  void fromAFineTunedTeacherTheStudentCopiesItsLayersNotThePretrainedOnes(@TempDir Path tmp) throws Exception {
    String moved = "encoder.layer.3.attention.self.query.bias";
    float[] expected = teacher(moved).clone();
    for (int i = 0; i < expected.length; i++) {
      expected[i] += 0.25f;
    }
    org.sparkdistill.udfs.transformer.BertWeights weights = org.sparkdistill.udfs.transformer.BertWeights.fromInitializers(onnx, 12, MODEL.toString());
    Path params = tmp.resolve("finetuned.params");
    try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      var encoder = org.sparkdistill.udfs.transformer.BertEncoder.fromWeights(weights, manager, 0.1f, 0.1f);
      var classifier = org.sparkdistill.udfs.transformer.BertClassifier.create(encoder, LABELS.size(), 0.1f, true, manager, 1);
      encoder.parameter(moved).getArray().set(expected);
      try (var out = Files.newOutputStream(params)) {
        org.sparkdistill.udfs.transformer.FineTunedTeacher.saveParameters(classifier, out);
      }
    }
    var meta = new org.sparkdistill.udfs.transformer.FineTunedMeta(
        org.sparkdistill.udfs.transformer.FineTunedMeta.FORMAT, weights.shape(), LABELS, 0.1f, 0.1f, 0.1f, true, 128, "e", "t");
    ObjectNode s = settings(List.of(0, 3, 5), 32);
    ((ObjectNode) s.get("teacherEncoder")).put("model", params.toString()).put("format", TransformerStudent.FORMAT_FINETUNED).set("meta", new ObjectMapper().valueToTree(meta));
    TransformerStudent arch = (TransformerStudent) StudentArchitectures.fromSettings("transformer", s, LABELS);
    assertThat(arch.teacherFormat()).isEqualTo(TransformerStudent.FORMAT_FINETUNED);
    assertThat(arch.toJson().get("teacherFormat").asText()).isEqualTo("finetuned");
    assertThat(arch.toString()).contains("(fine-tuned teacher parameters)");
    assertThat(arch).isNotEqualTo(architecture(List.of(0, 3, 5)));
    try (StudentModel student = StudentModel.create(arch, Readout.identity(LABELS), 7, ai.djl.Device.cpu())) {
      Map<String, float[]> values = new LinkedHashMap<>();
      for (Pair<String, Parameter> p : student.block().getParameters()) {
        values.put(p.getKey().replace("01classifier_01encoder_", ""), p.getValue().getArray().toFloatArray());
      }
      assertThat(values.get("encoder.layer.1.attention.self.query.bias")).as("student layer 1 = the moved teacher layer 3").isEqualTo(expected);
      assertThat(values.get("encoder.layer.0.attention.self.query.bias")).as("student layer 0 = teacher layer 0, untouched").isEqualTo(teacher("encoder.layer.0.attention.self.query.bias"));
      assertThat(values.get("embeddings.word_embeddings.weight")).isEqualTo(teacher("embeddings.word_embeddings.weight"));
    }
  }

  @Test
  void featuresAreTheTeachersWordPieceIdsCutToTheMaximumLength() {
    TransformerStudent arch = architecture(List.of(0, 5));
    int[] ids = arch.featurizer().featurize("amateur radio");
    // bert-base-uncased vocabulary: [CLS] amateur radio [SEP]
    assertThat(ids).containsExactly(101, 5515, 2557, 102);
    int[] cut = arch.featurizer().featurize(String.join(" ", java.util.Collections.nCopies(100, "radio")));
    assertThat(cut).hasSize(32);
    assertThat(cut[0]).isEqualTo(101);
    assertThat(cut[31]).isEqualTo(102);
    assertThat(arch.featurizer().featurize("")).containsExactly(101, 102);
  }

  @Test
  void learningRatesSeparateTheHeadAndWarmUp() {
    TransformerStudent arch = architecture(List.of(0, 5));
    assertThat(arch.learningRate("01classifier_head.weight", 0.01, 5)).isEqualTo(1e-3 * 0.5);
    assertThat(arch.learningRate("01classifier_01encoder_encoder.layer.0.output.dense.weight", 0.01, 20)).isEqualTo(5e-5);
  }

  @Test
  void savesAndLoadsWithItsTokenizerAndTrainsThroughTheSharedStep(@TempDir Path dir) throws Exception {
    TransformerStudent arch = architecture(List.of(1, 4));
    Path saved = dir.resolve("student");
    float[][] before;
    try (StudentModel student = StudentModel.create(arch, Readout.identity(LABELS), 3, ai.djl.Device.cpu());
        ResumableAdam adam = new ResumableAdam(0.01, 0.9, 0.999, 1e-8, 0)) {
      adam.withLearningRates((p, t) -> arch.learningRate(p, 0.01, t));
      List<int[]> features = new ArrayList<>();
      TEXTS.forEach(t -> features.add(student.featurize(t)));
      float[][] targets = new float[4][4];
      for (int i = 0; i < 4; i++) {
        targets[i][i] = 1f;
      }
      TrainingBatch batch = new TrainingBatch(features, targets, new long[] {0, 1, 2, 3}, new float[] {1, 1, 1, 1});
      TrainingStep step = new TrainingStep(new KdLoss(0.5, 2.0));
      float[] head = student.block().getParameters().get(0).getValue().getArray().toFloatArray();
      float[] query = student.block().getParameters().get("01classifier_01encoder_encoder.layer.0.attention.self.query.weight").getArray().toFloatArray();
      for (int s = 0; s < 2; s++) {
        TrainingStep.Result r = step.run(student, batch, 11L + s);
        assertThat(r.gradients().values()).hasSize(arch.parameterShapes().size());
        adam.apply(student.block(), r.gradients());
      }
      assertThat(student.block().getParameters().get(0).getValue().getArray().toFloatArray()).isNotEqualTo(head);
      assertThat(student.block().getParameters().get("01classifier_01encoder_encoder.layer.0.attention.self.query.weight").getArray().toFloatArray()).isNotEqualTo(query);
      before = student.logits(TEXTS);
      student.save(saved);
      java.io.ByteArrayOutputStream params = new java.io.ByteArrayOutputStream();
      student.saveParameters(params);
      try (StudentModel copy = StudentModel.fromParameters(arch, Readout.identity(LABELS), params.toByteArray(), ai.djl.Device.cpu())) {
        assertThat(copy.logits(TEXTS)).isEqualTo(before);
      }
    }
    assertThat(Files.list(saved).map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("student.json", "student.params", "tokenizer.json");
    assertThat(Files.readAllBytes(saved.resolve("tokenizer.json"))).isEqualTo(Files.readAllBytes(TOKENIZER));
    try (StudentModel loaded = StudentModel.load(saved)) {
      assertThat(loaded.architecture()).isEqualTo(arch);
      assertThat(loaded.architecture().toString()).contains("layers [1, 4] of the 6").doesNotContain(MODEL.toString());
      assertThat(loaded.logits(TEXTS)).isEqualTo(before);
      assertThat(loaded.featurize("amateur radio")).containsExactly(101, 5515, 2557, 102);
    }
    // the files belong together: another tokenizer is refused, a missing one named
    Files.writeString(saved.resolve("tokenizer.json"), "{}");
    assertThatThrownBy(() -> StudentModel.load(saved)).isInstanceOf(ModelLoadException.class).hasMessageContaining("tokenizer.json has sha256").hasMessageContaining("student.json records");
    Files.delete(saved.resolve("tokenizer.json"));
    assertThatThrownBy(() -> StudentModel.load(saved)).isInstanceOf(ModelLoadException.class).hasMessageContaining("tokenizer is missing");
  }

  @Test
  void badLayerMapsAndTeacherFilesAreOneLineErrors() {
    assertThatThrownBy(() -> architecture(List.of(0, 2, 2)))
        .hasMessage("student.transformer.layers names teacher layer 2 twice in [0, 2, 2]: each student layer needs its own teacher layer");
    assertThatThrownBy(() -> architecture(List.of(0, 6)))
        .hasMessageStartingWith("student.transformer.layers [0, 6] names teacher layer 6, but the teacher ")
        .hasMessageEndingWith("all-minilm-l6-v2.onnx has layers 0 to 5");
    assertThatThrownBy(() -> architecture(List.of(0, 1, 2, 3, 4, 5, 6)))
        .hasMessageStartingWith("student.transformer.layers [0, 1, 2, 3, 4, 5, 6] has 7 layers, more than the 6 of the teacher");
    assertThatThrownBy(() -> architecture(List.of(-1))).hasMessage("student.transformer.layers must name teacher layers >= 0, got -1 in [-1]");
    assertThatThrownBy(() -> architecture(List.of())).hasMessage("student.transformer.layers must name at least one teacher layer, got: []");
    assertThatThrownBy(() -> LayerMap.of(Arrays.asList(1, null))).hasMessageContaining("got a null");
    // an ONNX file whose weights do not map onto BERT (the int8 export: quantized, renamed weights)
    ObjectNode s = settings(List.of(0, 5), 32);
    ((ObjectNode) s.get("transformer")).put("model", INT8.toString());
    assertThatThrownBy(() -> StudentArchitectures.fromSettings("transformer", s, LABELS))
        .hasMessageContaining("does not map onto a 6-layer BERT encoder")
        .hasMessageContaining("missing embeddings.word_embeddings.weight (initializer)")
        .matches(e -> !e.getMessage().contains("\n"), "one line");
    ((ObjectNode) s.get("transformer")).put("model", "hdfs://nn/models/m.onnx");
    assertThatThrownBy(() -> StudentArchitectures.fromSettings("transformer", s, LABELS)).hasMessageContaining("must be a local file");
    ((ObjectNode) s.get("transformer")).put("model", "/no/such/model.onnx");
    assertThatThrownBy(() -> StudentArchitectures.fromSettings("transformer", s, LABELS)).hasMessageContaining("does not exist or is not a file: /no/such/model.onnx");
  }
}
