package org.sparkdistill.udfs.transformer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparkdistill.udfs.onnx.OnnxInitializers;

/**
 * The weights of a BERT encoder by canonical (Hugging Face) name, taken from an ONNX export's
 * initializers. Embeddings, biases and LayerNorms keep their Hugging Face names in the export
 * ({@code encoder.layer.0.attention.self.query.bias}); the dense weights are anonymous ({@code
 * onnx::MatMul_787}) and are found through the MatMul node that uses them, which is named after
 * its place ({@code /encoder/layer.0/attention/self/query/MatMul}). They are stored [in, out]
 * (the graph computes x·W), the transpose of PyTorch's {@code Linear.weight}, and are kept so:
 * here {@code encoder.layer.0.attention.self.query.weight} is [in, out].
 *
 * <p>An export whose initializers do not map (another architecture, a renamed graph, a missing
 * tensor or a shape that does not fit) is an error naming every missing or misshapen weight.
 *
 * @param shape the sizes read off the weights (and the configured head count)
 * @param tensors canonical name → [dims, float32 values], in {@link #names(int)} order
 */
public record BertWeights(BertShape shape, Map<String, OnnxInitializers.Tensor> tensors) {
  private static final Pattern LAYER = Pattern.compile("(?:^|/)encoder[./]layer\\.(\\d+)[./]");

  /** The dense (MatMul) weights of a layer, by canonical suffix → the MatMul node's path suffix. */
  private static final Map<String, String> DENSE = new LinkedHashMap<>();

  static {
    DENSE.put("attention.self.query", "attention/self/query/MatMul");
    DENSE.put("attention.self.key", "attention/self/key/MatMul");
    DENSE.put("attention.self.value", "attention/self/value/MatMul");
    DENSE.put("attention.output.dense", "attention/output/dense/MatMul");
    DENSE.put("intermediate.dense", "intermediate/dense/MatMul");
    DENSE.put("output.dense", "output/dense/MatMul");
  }

  /** Canonical names of an encoder with {@code layers} layers, in parameter order. */
  public static List<String> names(int layers) {
    List<String> out = new ArrayList<>();
    out.add("embeddings.word_embeddings.weight");
    out.add("embeddings.position_embeddings.weight");
    out.add("embeddings.token_type_embeddings.weight");
    out.add("embeddings.LayerNorm.weight");
    out.add("embeddings.LayerNorm.bias");
    for (int i = 0; i < layers; i++) {
      String p = "encoder.layer." + i + ".";
      for (String dense : List.of("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
        out.add(p + dense + ".weight");
        out.add(p + dense + ".bias");
      }
      out.add(p + "attention.output.LayerNorm.weight");
      out.add(p + "attention.output.LayerNorm.bias");
      out.add(p + "intermediate.dense.weight");
      out.add(p + "intermediate.dense.bias");
      out.add(p + "output.dense.weight");
      out.add(p + "output.dense.bias");
      out.add(p + "output.LayerNorm.weight");
      out.add(p + "output.LayerNorm.bias");
    }
    return out;
  }

  /** The expected dims of {@code name} under {@code s}. */
  public static long[] expectedDims(String name, BertShape s) {
    long h = s.hidden();
    if (name.equals("embeddings.word_embeddings.weight")) {
      return new long[] {s.vocabSize(), h};
    } else if (name.equals("embeddings.position_embeddings.weight")) {
      return new long[] {s.maxPositions(), h};
    } else if (name.equals("embeddings.token_type_embeddings.weight")) {
      return new long[] {s.typeVocabSize(), h};
    } else if (name.endsWith("intermediate.dense.weight")) {
      return new long[] {h, s.intermediate()};
    } else if (name.endsWith("intermediate.dense.bias")) {
      return new long[] {s.intermediate()};
    } else if (name.endsWith("output.dense.weight") && !name.contains("attention")) {
      return new long[] {s.intermediate(), h};
    } else if (name.endsWith(".weight") && !name.contains("LayerNorm")) {
      return new long[] {h, h};
    }
    return new long[] {h};
  }

  /**
   * Reads and maps the initializers of {@code onnxFile}.
   *
   * @param heads attention heads (not stored in the weights; all-MiniLM-L6-v2: 12)
   * @throws IllegalArgumentException naming the file and every weight that is missing or misshapen
   */
  public static BertWeights fromOnnx(Path onnxFile, int heads) {
    return fromInitializers(OnnxInitializers.read(onnxFile), heads, onnxFile.toString());
  }

  /** {@link #fromOnnx} over initializers already read; {@code source} names them in errors. */
  public static BertWeights fromInitializers(OnnxInitializers onnx, int heads, String source) {
    int layers = layers(onnx, source);
    Map<String, OnnxInitializers.Tensor> found = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String name : names(layers)) {
      OnnxInitializers.Tensor t = find(onnx, name);
      if (t == null || t.values() == null) {
        missing.add(name + where(name) + (t == null ? "" : " (not float32)"));
      } else {
        found.put(name, t);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          source + " does not map onto a " + layers + "-layer BERT encoder: missing " + String.join(", ", missing));
    }
    long[] word = found.get("embeddings.word_embeddings.weight").dims();
    long[] position = found.get("embeddings.position_embeddings.weight").dims();
    long[] types = found.get("embeddings.token_type_embeddings.weight").dims();
    long[] ffn = found.get("encoder.layer.0.intermediate.dense.weight").dims();
    if (word.length != 2 || position.length != 2 || types.length != 2 || ffn.length != 2) {
      throw new IllegalArgumentException(source + " does not map onto a BERT encoder: embedding tables and dense weights must be 2-d");
    }
    BertShape shape = new BertShape((int) word[0], (int) position[0], (int) types[0], (int) word[1], layers, heads, (int) ffn[1], 1e-12f);
    List<String> misshapen = new ArrayList<>();
    for (Map.Entry<String, OnnxInitializers.Tensor> e : found.entrySet()) {
      long[] expected = expectedDims(e.getKey(), shape);
      if (!Arrays.equals(expected, e.getValue().dims())) {
        misshapen.add(e.getKey() + " (" + e.getValue().name() + ") is " + Arrays.toString(e.getValue().dims()) + ", expected " + Arrays.toString(expected));
      }
    }
    if (!misshapen.isEmpty()) {
      throw new IllegalArgumentException(source + " does not map onto a BERT encoder of hidden size " + shape.hidden() + ": " + String.join("; ", misshapen));
    }
    return new BertWeights(shape, found);
  }

  /**
   * The encoder layer count of {@code onnxFile}, from its layout alone ({@link
   * OnnxInitializers#readLayout}: one streamed pass, no weights copied), for a caller that needs
   * the depth before (or without) {@link #fromOnnx}.
   *
   * @throws IllegalArgumentException naming the file when no initializer or MatMul node names an encoder layer
   */
  public static int layers(Path onnxFile) {
    return layers(OnnxInitializers.readLayout(onnxFile), onnxFile.toString());
  }

  private static int layers(OnnxInitializers onnx, String source) {
    int layers = 0;
    for (String name : onnx.initializers().keySet()) {
      layers = Math.max(layers, layerOf(name) + 1);
    }
    for (String node : onnx.matMulWeights().keySet()) {
      layers = Math.max(layers, layerOf(node) + 1);
    }
    if (layers == 0) {
      throw new IllegalArgumentException(
          source + " does not map onto a BERT encoder: no initializer or MatMul node names an encoder layer (encoder.layer.N...);"
              + " export a Hugging Face BertModel (e.g. all-MiniLM-L6-v2) to ONNX");
    }
    return layers;
  }

  /**
   * The weights an encoder holds now (e.g. a fine-tuned teacher's), by the same names and in the
   * same layout as {@link #fromOnnx}'s. Cost: one copy of every parameter into Java arrays.
   */
  public static BertWeights fromEncoder(BertEncoder encoder) {
    Map<String, OnnxInitializers.Tensor> tensors = new LinkedHashMap<>();
    for (String name : names(encoder.shape().layers())) {
      ai.djl.ndarray.NDArray array = encoder.parameter(name).getArray();
      tensors.put(name, new OnnxInitializers.Tensor(name, array.getShape().getShape(), OnnxInitializers.FLOAT, array.toFloatArray()));
    }
    return new BertWeights(encoder.shape(), tensors);
  }

  private static OnnxInitializers.Tensor find(OnnxInitializers onnx, String name) {
    Map<String, OnnxInitializers.Tensor> init = onnx.initializers();
    if (!name.endsWith(".weight") || name.startsWith("embeddings.") || name.contains("LayerNorm")) {
      return init.get(name);
    }
    String node = matMulNode(name);
    for (Map.Entry<String, String> e : onnx.matMulWeights().entrySet()) {
      if (e.getKey().equals(node) || e.getKey().endsWith(node)) {
        return init.get(e.getValue());
      }
    }
    return null;
  }

  /** {@code encoder.layer.3.attention.self.key.weight} → {@code /encoder/layer.3/attention/self/key/MatMul}. */
  static String matMulNode(String name) {
    Matcher m = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.(.+)\\.weight$").matcher(name);
    if (!m.matches() || !DENSE.containsKey(m.group(2))) {
      return "";
    }
    return "/encoder/layer." + m.group(1) + "/" + DENSE.get(m.group(2));
  }

  private static String where(String name) {
    String node = matMulNode(name);
    return node.isEmpty() ? " (initializer)" : " (MatMul node " + node + ")";
  }

  private static int layerOf(String name) {
    Matcher m = LAYER.matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
