package org.sparkdistill.udfs.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.onnx.OnnxInitializers;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * The BERT block loaded from all-MiniLM-L6-v2's ONNX initializers reproduces what ONNX Runtime
 * computes from the same file (the project's encode path) on real Debian texts.
 */
class BertImportTest {
  private static final Path DIR = Paths.get(System.getProperty("spark.distill.encoder.dir", "../target/models/all-minilm-l6-v2"));
  private static final Path MODEL = DIR.resolve("all-minilm-l6-v2.onnx");
  private static final Path TOKENIZER = DIR.resolve("all-minilm-l6-v2-tokenizer.json");
  private static final TokenizerSettings SETTINGS = new TokenizerSettings(128, true);

  private static OnnxInitializers onnx;
  private static NDManager manager;
  private static BertEncoder encoder;
  private static TextTokenizer tokenizer;

  @BeforeAll
  static void load() {
    onnx = OnnxInitializers.read(MODEL);
    manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    encoder = BertEncoder.fromWeights(BertWeights.fromInitializers(onnx, 12, MODEL.toString()), manager, 0.1f, 0.1f);
    tokenizer = TextTokenizer.load(TOKENIZER, SETTINGS);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
    manager.close();
  }

  @Test
  void theShapeIsReadOffTheWeights() {
    assertThat(encoder.shape()).isEqualTo(new BertShape(30522, 512, 2, 384, 6, 12, 1536, 1e-12f));
    // the ONNX file's float initializers, less nothing: every float weight maps (the int64 position_ids buffer is not a weight)
    assertThat(encoder.shape().parameterCount()).isEqualTo(22_565_376L);
  }

  @Test
  void theLayoutAloneGivesTheDepthAndEveryDimWithoutThePayloads() {
    assertThat(BertWeights.layers(MODEL)).isEqualTo(6);
    OnnxInitializers layout = OnnxInitializers.readLayout(MODEL);
    assertThat(layout.matMulWeights()).isEqualTo(onnx.matMulWeights());
    assertThat(layout.initializers().keySet()).containsExactlyElementsOf(onnx.initializers().keySet());
    for (OnnxInitializers.Tensor full : onnx.initializers().values()) {
      OnnxInitializers.Tensor bare = layout.initializers().get(full.name());
      assertThat(bare.dims()).as(full.name()).containsExactly(full.dims());
      assertThat(bare.dataType()).as(full.name()).isEqualTo(full.dataType());
      assertThat(bare.values()).as(full.name()).isNull();
    }
  }

  @Test
  void reproducesOnnxRuntimePooledEmbeddingsOn64DebianTexts() {
    List<DebianTexts.Text> texts = DebianTexts.sample(150, 64, List.of());
    assertThat(texts).hasSize(64);
    double maxNormalised = 0;
    double maxRaw = 0;
    // ONNX Runtime through the encode path, mean-pooled without normalisation; the normalised
    // vectors are then L2-normalised in double on this side, as encode does.
    EncoderSpec spec =
        new EncoderSpec(ModelFile.local("encoder.model", MODEL), ModelFile.local("encoder.tokenizer", TOKENIZER), SETTINGS, Pooling.MEAN, false, 1, DeviceSelector.Preference.CPU);
    try (OnnxSentenceEncoder ort = OnnxSentenceEncoder.load(spec, Device.cpu()); OnnxSentenceEncoder.Session session = ort.newSession()) {
      for (int start = 0; start < texts.size(); start += 16) {
        List<DebianTexts.Text> batch = texts.subList(start, start + 16);
        TokenizedBatch tokens = tokenizer.tokenize(batch.stream().map(DebianTexts.Text::text).toList(), batch.stream().map(DebianTexts.Text::id).toList());
        float[][] expected = session.encode(tokens).vectors();
        try (NDManager tmp = manager.newSubManager()) {
          NDArray pooled =
              encoder
                  .forward(new ParameterStore(tmp, false), new NDList(tmp.create(tokens.inputIds()), tmp.create(tokens.attentionMask()), tmp.create(tokens.typeIds())), false)
                  .singletonOrThrow();
          float[] raw = pooled.toFloatArray();
          float[] normalised = BertEncoder.l2Normalize(pooled).toFloatArray();
          for (int i = 0; i < expected.length; i++) {
            double norm = 0;
            for (float v : expected[i]) {
              norm += (double) v * v;
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < 384; d++) {
              maxRaw = Math.max(maxRaw, Math.abs(raw[i * 384 + d] - expected[i][d]));
              maxNormalised = Math.max(maxNormalised, Math.abs(normalised[i * 384 + d] - expected[i][d] / norm));
            }
          }
        }
      }
    }
    System.out.printf("BertImportTest: max |PyTorch - ONNX Runtime| over 64 Debian texts at 128 tokens: normalised %.3g, raw pooled %.3g%n", maxNormalised, maxRaw);
    assertThat(maxNormalised).isLessThanOrEqualTo(1e-4);
    assertThat(maxRaw).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void dropoutIsActiveOnlyInTraining() {
    TokenizedBatch tokens = tokenizer.tokenize(List.of("a mail server with spam filtering", "a game of chess"), List.of("a", "b"));
    try (NDManager tmp = manager.newSubManager()) {
      NDList in = new NDList(tmp.create(tokens.inputIds()), tmp.create(tokens.attentionMask()), tmp.create(tokens.typeIds()));
      float[] eval1 = encoder.forward(new ParameterStore(tmp, false), in, false).singletonOrThrow().toFloatArray();
      float[] eval2 = encoder.forward(new ParameterStore(tmp, false), in, false).singletonOrThrow().toFloatArray();
      float[] train = encoder.forward(new ParameterStore(tmp, false), in, true).singletonOrThrow().toFloatArray();
      assertThat(eval2).containsExactly(eval1);
      assertThat(train).isNotEqualTo(eval1);
    }
  }

  @Test
  void anExportWhoseInitializersDoNotMapNamesWhatIsMissing() {
    Map<String, OnnxInitializers.Tensor> init = new LinkedHashMap<>(onnx.initializers());
    init.remove("encoder.layer.3.output.LayerNorm.bias");
    Map<String, String> matMuls = new LinkedHashMap<>(onnx.matMulWeights());
    matMuls.remove("/encoder/layer.2/attention/self/key/MatMul");
    OnnxInitializers broken = new OnnxInitializers(init, matMuls);
    assertThatThrownBy(() -> BertWeights.fromInitializers(broken, 12, "broken.onnx"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("broken.onnx does not map onto a 6-layer BERT encoder: missing")
        .hasMessageContaining("encoder.layer.2.attention.self.key.weight (MatMul node /encoder/layer.2/attention/self/key/MatMul)")
        .hasMessageContaining("encoder.layer.3.output.LayerNorm.bias (initializer)");
    assertThatThrownBy(() -> BertWeights.fromInitializers(new OnnxInitializers(Map.of(), Map.of()), 12, "empty.onnx"))
        .hasMessageContaining("empty.onnx does not map onto a BERT encoder: no initializer or MatMul node names an encoder layer");
    assertThatThrownBy(() -> BertWeights.fromInitializers(onnx, 7, "m.onnx")).hasMessageContaining("not a multiple of the attention head count 7");
  }
}
