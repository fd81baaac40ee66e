package org.sparkdistill.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertClassifier;
import org.sparkdistill.udfs.transformer.BertEncoder;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.DropoutPolicy;
import org.sparkdistill.udfs.transformer.DropoutSite;
import org.sparkdistill.udfs.transformer.FineTunedMeta;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;
import org.sparkdistill.udfs.transformer.McMasks;
import org.sparkdistill.udfs.transformer.SeededDropout;
import org.sparkdistill.udfs.transformer.TensorDropoutMasks;
import org.sparkdistill.udfs.transformer.TensorSeededDropout;
import org.sparkdistill.udfs.uncertainty.DropoutMask;
import org.sparkdistill.udfs.uncertainty.McDropoutStatistics;

/**
 * Issue #10 item 3: what the fine-tuned teacher's MC dropout costs with masks drawn in Java
 * ({@link McMasks#JAVA}, the baseline) and computed in tensor ops ({@link McMasks#TENSOR}), in one
 * run over the same texts: all-MiniLM-L6-v2 with a random 20-class head (no training: the cost
 * does not depend on the weights; N(0, 3²) weights give logits of order 1), Debian descriptions that fill the maximum length, batch 16, K
 * passes, MC over the top layer and over the whole model. The two generators alternate within
 * each of {@code rounds} rounds (so load on a shared machine hits both alike); the table shows the
 * best and the median round, the deterministic pass as reference, and each generator's mean BALD
 * mutual information (both draw dropout at the same rates: it should agree to noise). Last, the
 * masks alone: one pass's dropout at every site on arrays of ones, without the forward.
 *
 * <p>Run (one libtorch thread, as {@code mc-table}):
 *
 * <pre>
 * java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -cp ... \
 *     org.sparkdistill.bench.McMaskBenchmark target/models/all-minilm-l6-v2 data/debian/debian-sections-20.jsonl.gz 64 16 64 3
 * </pre>
 *
 * (arguments: encoder directory, texts, tokens, K, texts, rounds; the whole-model rows score half
 * the texts).
 */
public final class McMaskBenchmark {
  private static final int BATCH = 16;

  private McMaskBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/models/all-minilm-l6-v2");
    Path data = Path.of(args.length > 1 ? args[1] : "data/debian/debian-sections-20.jsonl.gz");
    int length = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int passes = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    int count = args.length > 4 ? Integer.parseInt(args[4]) : 64;
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;
    if (count < 2 * BATCH || count % (2 * BATCH) != 0 || passes < 2 || rounds < 1) {
      throw new IllegalArgumentException("texts must be a positive multiple of " + 2 * BATCH + ", K >= 2 and rounds >= 1, got " + count + ", " + passes + ", " + rounds);
    }
    BertWeights weights = BertWeights.fromOnnx(dir.resolve("all-minilm-l6-v2.onnx"), 12);
    int layers = weights.shape().layers();
    try (TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("all-minilm-l6-v2-tokenizer.json"), new TokenizerSettings(length, true));
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      List<String> texts = FineTuneBenchmark.longTexts(data, tokenizer, count);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        ids.add("debian-" + i);
      }
      BertClassifier model = BertClassifier.create(BertEncoder.fromWeights(weights, manager, 0.1f, 0.1f), 20, 0.1f, true, manager, 1);
      // a random head of N(0, 3²) weights over the unit feature vector: logits of order 1, not the
      // near-uniform probabilities of the default N(0, 0.02²) head, so the MI column means something
      java.util.SplittableRandom random = new java.util.SplittableRandom(1);
      float[][] w = new float[20][weights.shape().hidden()];
      for (float[] row : w) {
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) (random.nextGaussian() * 3);
        }
      }
      model.setHead(w, new float[20]);
      List<String> labels = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        labels.add("c" + i);
      }
      FineTunedMeta meta = new FineTunedMeta(FineTunedMeta.FORMAT, weights.shape(), labels, 0.1f, 0.1f, 0.1f, true, length, "", "");
      try (FineTunedTeacher teacher = FineTunedTeacher.of(model, meta, manager.newSubManager())) {
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "libtorch threads %d, %d tokens, K = %d, batch %d, %d texts (whole model: %d), %d rounds%n", threads, length, passes, BATCH, count, count / 2, rounds);
        for (McMasks masks : McMasks.values()) {
          run(teacher, tokenizer, texts.subList(0, BATCH), ids, 2, 1, masks); // warm-up, and the tensor table
        }
        double[] plain = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          plain[r] = run(teacher, tokenizer, texts, ids, 0, 0, McMasks.TENSOR).textsPerSecond;
        }
        System.out.println("| MC over | masks | texts | texts/s (best / median round) | mean MI | tensor / Java texts/s (median) |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| nothing (deterministic pass) | - | %d | %.1f / %.1f | 0 | |%n", count, max(plain), median(plain));
        for (int mcLayers : new int[] {1, layers}) {
          List<String> t = mcLayers == layers ? texts.subList(0, count / 2) : texts;
          double[][] rate = new double[2][rounds];
          double[] mi = new double[2];
          for (int r = 0; r < rounds; r++) {
            for (McMasks masks : McMasks.values()) {
              Run run = run(teacher, tokenizer, t, ids, passes, mcLayers, masks);
              rate[masks.ordinal()][r] = run.textsPerSecond;
              mi[masks.ordinal()] = run.meanMutualInformation;
            }
          }
          String over = mcLayers == layers ? "whole model (" + layers + " layers + head)" : "top layer + head";
          for (McMasks masks : McMasks.values()) {
            double[] x = rate[masks.ordinal()];
            String ratio = masks == McMasks.TENSOR ? String.format(Locale.ROOT, "%.2fx", median(x) / median(rate[McMasks.JAVA.ordinal()])) : "";
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %.2f / %.2f | %.5f | %s |%n", over, masks == McMasks.JAVA ? "Java (baseline)" : "tensor ops", t.size(), max(x), median(x), mi[masks.ordinal()], ratio);
          }
        }
        masksAlone(manager, weights.shape().heads(), weights.shape().hidden(), layers, length, ids, rounds);
      }
    }
  }

  /**
   * The masks alone: one MC pass's dropout at every site of the whole model (embeddings, per layer
   * the attention probabilities and two hidden-state sites, the head) on arrays of ones of a full
   * batch's shapes, without the forward; milliseconds per batch and pass, best of 10 per round.
   */
  private static void masksAlone(NDManager manager, int heads, int hidden, int layers, int length, List<String> ids, int rounds) {
    long[] keys = ids.subList(0, BATCH).stream().mapToLong(DropoutMask::rowKey).toArray();
    double[][] ms = new double[2][rounds];
    try (NDManager m = manager.newSubManager(); TensorDropoutMasks table = TensorDropoutMasks.create(m, length, heads, hidden)) {
      NDArray states = m.ones(new Shape(BATCH, length, hidden));
      NDArray probs = m.ones(new Shape(BATCH, heads, length, length));
      NDArray pooled = m.ones(new Shape(BATCH, hidden));
      for (int r = 0; r < rounds; r++) {
        for (McMasks masks : McMasks.values()) {
          double best = Double.MAX_VALUE;
          for (int i = 0; i < 11; i++) {
            try (NDManager pass = m.newSubManager()) {
              DropoutPolicy policy = masks == McMasks.JAVA ? new SeededDropout(keys, i, 7, 0, length) : new TensorSeededDropout(table, keys, i, 7, 0, length);
              NDArray s = inPass(states, pass);
              NDArray p = inPass(probs, pass);
              NDArray f = inPass(pooled, pass);
              long start = System.nanoTime();
              policy.apply(s, DropoutSite.EMBEDDINGS, -1, 0.1f);
              for (int layer = 0; layer < layers; layer++) {
                policy.apply(p, DropoutSite.ATTENTION_PROBS, layer, 0.1f);
                policy.apply(s, DropoutSite.ATTENTION_OUTPUT, layer, 0.1f);
                policy.apply(s, DropoutSite.FFN_OUTPUT, layer, 0.1f);
              }
              policy.apply(f, DropoutSite.HEAD, -1, 0.1f);
              double t = (System.nanoTime() - start) / 1e6;
              best = i == 0 ? best : Math.min(best, t); // the first is a warm-up
            }
          }
          ms[masks.ordinal()][r] = best;
        }
      }
    }
    long elements = (long) BATCH * (layers * ((long) heads * length * length + 2L * length * hidden) + (long) length * hidden + hidden);
    System.out.printf(Locale.ROOT, "%nmasks alone, one pass of the whole model's %d sites on a batch of %d at %d tokens (%,d elements), ms (best round / median round):%n", 3 * layers + 2, BATCH, length, elements);
    for (McMasks masks : McMasks.values()) {
      double[] x = ms[masks.ordinal()];
      System.out.printf(Locale.ROOT, "  %s: %.2f / %.2f ms (%.2f ns per element)%n", masks == McMasks.JAVA ? "Java (baseline)" : "tensor ops", min(x), median(x), median(x) * 1e6 / elements);
    }
    System.out.printf(Locale.ROOT, "  tensor / Java time (median): %.2f%n", median(ms[1]) / median(ms[0]));
  }

  private static NDArray inPass(NDArray array, NDManager pass) {
    NDArray copy = array.duplicate();
    copy.attach(pass);
    return copy;
  }

  private static double min(double[] x) {
    return Arrays.stream(x).min().orElse(Double.NaN);
  }

  private record Run(double textsPerSecond, double meanMutualInformation) {}

  private static Run run(FineTunedTeacher teacher, TextTokenizer tokenizer, List<String> texts, List<String> ids, int passes, int mcLayers, McMasks masks) {
    long start = System.nanoTime();
    double mi = 0;
    for (int from = 0; from < texts.size(); from += BATCH) {
      int to = Math.min(texts.size(), from + BATCH);
      TokenizedBatch tokens = tokenizer.tokenize(texts.subList(from, to), ids.subList(from, to));
      long[] keys = ids.subList(from, to).stream().mapToLong(DropoutMask::rowKey).toArray();
      FineTunedTeacher.Scored scored = teacher.score(tokens, keys, passes, 7, mcLayers, masks);
      if (scored.mc() != null) {
        for (McDropoutStatistics s : scored.mc()) {
          mi += s.mutualInformation();
        }
      }
    }
    return new Run(texts.size() / ((System.nanoTime() - start) / 1e9), mi / texts.size());
  }

  private static double max(double[] x) {
    return Arrays.stream(x).max().orElse(Double.NaN);
  }

  private static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
