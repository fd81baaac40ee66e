package org.sparkdistill.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertEncoder;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTuneTrainer;
import org.sparkdistill.udfs.transformer.LayerMap;

/**
 * How much of the teacher's sentence space a layer map keeps before any training: for each
 * candidate map, the k-layer cut of all-MiniLM-L6-v2 ({@link LayerMap}) and the whole encoder embed
 * the same Debian texts (mean pooling, L2 normalisation, dropout off), and the probe prints the
 * mean cosine between the cut's vector and the teacher's, and the leave-one-out nearest-centroid
 * accuracy of the sections from each (the teacher's row is the baseline, in the same run). A
 * training-free proxy used to pick the default {@code student.transformer.layers}; the students'
 * accuracies after distillation are measured by the pipeline.
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=2 -cp ... org.sparkdistill.bench.LayerMapProbe \
 *     target/models/all-minilm-l6-v2 data/debian/debian-sections-20.jsonl.gz 64 400 "0,1,2;0,2,4;1,3,5;0,2,5;0,3,5;3,4,5"
 * </pre>
 */
public final class LayerMapProbe {
  private LayerMapProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Path data = Path.of(args[1]);
    int length = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    String[] maps = args[4].split(";");
    BertWeights weights = BertWeights.fromOnnx(dir.resolve("all-minilm-l6-v2.onnx"), 12);
    List<String> texts = new ArrayList<>();
    List<String> sections = new ArrayList<>();
    read(data, count, texts, sections);
    try (TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("all-minilm-l6-v2-tokenizer.json"), new TokenizerSettings(length, true));
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      JniUtils.setGradMode(false);
      long start = System.nanoTime();
      float[][] teacher = embed(BertEncoder.fromWeights(weights, manager, 0, 0), manager, tokenizer, texts);
      double teacherSeconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "%d Debian texts (every %d-th row), %d tokens, %d sections%n", texts.size(), stride(count), length, new java.util.HashSet<>(sections).size());
      System.out.println("| layer map | layers | mean cosine to the teacher | nearest-centroid accuracy (leave one out) | forward s |");
      System.out.println("|---|---|---|---|---|");
      System.out.printf(Locale.ROOT, "| teacher (all) | 6 | 1.000 | %.3f | %.1f |%n", centroidAccuracy(teacher, sections), teacherSeconds);
      for (String m : maps) {
        List<Integer> layers = new ArrayList<>();
        for (String v : m.split(",")) {
          layers.add(Integer.parseInt(v.trim()));
        }
        LayerMap map = LayerMap.of(layers);
        start = System.nanoTime();
        float[][] cut = embed(BertEncoder.fromWeights(map.apply(weights, "all-minilm-l6-v2.onnx"), manager, 0, 0), manager, tokenizer, texts);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cosine = 0;
        for (int i = 0; i < cut.length; i++) {
          cosine += dot(cut[i], teacher[i]);
        }
        System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.1f |%n", map, map.size(), cosine / cut.length, centroidAccuracy(cut, sections), seconds);
      }
    }
  }

  private static int stride(int count) {
    return Math.max(1, 11_000 / count);
  }

  private static void read(Path data, int count, List<String> texts, List<String> sections) throws Exception {
    ObjectMapper json = new ObjectMapper();
    int stride = stride(count);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(data)), StandardCharsets.UTF_8))) {
      int seen = 0;
      for (String line = in.readLine(); line != null && texts.size() < count; line = in.readLine()) {
        if (seen++ % stride != 0) {
          continue;
        }
        JsonNode row = json.readTree(line);
        texts.add(row.get("text").asText());
        sections.add(row.get("section").asText());
      }
    }
  }

  private static float[][] embed(BertEncoder encoder, NDManager manager, TextTokenizer tokenizer, List<String> texts) {
    float[][] out = new float[texts.size()][];
    for (int from = 0; from < texts.size(); from += 32) {
      int to = Math.min(texts.size(), from + 32);
      List<String> ids = new ArrayList<>();
      for (int i = from; i < to; i++) {
        ids.add("probe-" + i);
      }
      TokenizedBatch tokens = tokenizer.tokenize(texts.subList(from, to), ids);
      try (NDManager tmp = manager.newSubManager()) {
        NDList in = FineTuneTrainer.inputs(tmp, tokens);
        NDArray pooled = BertEncoder.l2Normalize(encoder.forward(new ParameterStore(tmp, false), in, false).singletonOrThrow());
        float[] flat = pooled.toFloatArray();
        int d = (int) pooled.getShape().get(1);
        for (int i = from; i < to; i++) {
          out[i] = java.util.Arrays.copyOfRange(flat, (i - from) * d, (i - from + 1) * d);
        }
      }
    }
    return out;
  }

  /** Each text's section predicted as the nearest (cosine) centroid of the other texts' sections. */
  static double centroidAccuracy(float[][] x, List<String> labels) {
    int d = x[0].length;
    Map<String, double[]> sums = new HashMap<>();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < x.length; i++) {
      double[] s = sums.computeIfAbsent(labels.get(i), k -> new double[d]);
      for (int j = 0; j < d; j++) {
        s[j] += x[i][j];
      }
      counts.merge(labels.get(i), 1, Integer::sum);
    }
    int correct = 0;
    for (int i = 0; i < x.length; i++) {
      String best = null;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (Map.Entry<String, double[]> e : sums.entrySet()) {
        boolean own = e.getKey().equals(labels.get(i));
        int n = counts.get(e.getKey()) - (own ? 1 : 0);
        if (n == 0) {
          continue;
        }
        double[] c = new double[d];
        double norm = 0;
        for (int j = 0; j < d; j++) {
          c[j] = e.getValue()[j] - (own ? x[i][j] : 0);
          norm += c[j] * c[j];
        }
        double score = 0;
        for (int j = 0; j < d; j++) {
          score += c[j] * x[i][j];
        }
        score /= Math.sqrt(norm) + 1e-12;
        if (score > bestScore) {
          bestScore = score;
          best = e.getKey();
        }
      }
      correct += labels.get(i).equals(best) ? 1 : 0;
    }
    return (double) correct / x.length;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
