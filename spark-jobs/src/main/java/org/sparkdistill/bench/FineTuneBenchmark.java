package org.sparkdistill.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.model.Pooling;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.text.TokenizerSettings;
import org.sparkdistill.udfs.transformer.BertClassifier;
import org.sparkdistill.udfs.transformer.BertEncoder;
import org.sparkdistill.udfs.transformer.BertWeights;
import org.sparkdistill.udfs.transformer.FineTuneOptions;
import org.sparkdistill.udfs.transformer.FineTuneTrainer;
import org.sparkdistill.udfs.transformer.FineTunedMeta;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;
import org.sparkdistill.udfs.transformer.LabelledTexts;
import org.sparkdistill.udfs.uncertainty.DropoutMask;

/**
 * Throughput of the trainable teacher on this machine, against ONNX Runtime's forward of the same
 * file over the same texts in the same run (the baseline): fine-tuning (forward + backward + AdamW
 * step, batch 16), a deterministic PyTorch forward, and MC scoring with K passes over the head only,
 * the top layer, the top two and the whole model. Texts: the first Debian descriptions long enough
 * to fill the maximum length (so every row has L tokens).
 *
 * <p>Run (2 cores: libtorch and ONNX Runtime with 2 threads):
 *
 * <pre>
 * java -Dai.djl.pytorch.num_threads=2 -Dai.djl.pytorch.num_interop_threads=1 -cp ... \
 *     org.sparkdistill.bench.FineTuneBenchmark target/models/all-minilm-l6-v2 data/debian/debian-sections-20.jsonl.gz 64,128 16 96
 * </pre>
 */
public final class FineTuneBenchmark {
  private FineTuneBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/models/all-minilm-l6-v2");
    Path data = Path.of(args.length > 1 ? args[1] : "data/debian/debian-sections-20.jsonl.gz");
    String[] lengths = (args.length > 2 ? args[2] : "64,128").split(",");
    int passes = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    int count = args.length > 4 ? Integer.parseInt(args[4]) : 96;
    if (count < 65 || count % 32 != 0) {
      throw new IllegalArgumentException("texts per length must be a multiple of 32 and > 64 (fine-tuning uses 64 + 1), got " + count);
    }
    int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
    Path onnx = dir.resolve("all-minilm-l6-v2.onnx");
    Path tokenizerFile = dir.resolve("all-minilm-l6-v2-tokenizer.json");
    BertWeights weights = BertWeights.fromOnnx(onnx, 12);
    System.out.printf(Locale.ROOT, "libtorch threads %d, ONNX Runtime intra-op threads %d, K = %d%n", threads, threads, passes);
    System.out.println("| length | what | texts | seconds | texts/s | vs ONNX Runtime forward |");
    System.out.println("|---|---|---|---|---|---|");
    for (String l : lengths) {
      int length = Integer.parseInt(l.trim());
      TokenizerSettings settings = new TokenizerSettings(length, true);
      try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile, settings); NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
        List<String> texts = longTexts(data, tokenizer, count);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
          ids.add("bench-" + i);
        }
        EncoderSpec spec = new EncoderSpec(ModelFile.local("encoder.model", onnx), ModelFile.local("encoder.tokenizer", tokenizerFile), settings, Pooling.MEAN, true, threads, DeviceSelector.Preference.CPU);
        double ort;
        try (OnnxSentenceEncoder encoder = OnnxSentenceEncoder.load(spec, Device.cpu()); OnnxSentenceEncoder.Session session = encoder.newSession()) {
          session.encode(tokenizer.tokenize(texts.subList(0, 16), ids.subList(0, 16)));
          long start = System.nanoTime();
          for (int from = 0; from < texts.size(); from += 32) {
            session.encode(tokenizer.tokenize(texts.subList(from, from + 32), ids.subList(from, from + 32)));
          }
          ort = texts.size() / ((System.nanoTime() - start) / 1e9);
        }
        row(length, "ONNX Runtime forward (baseline)", texts.size(), texts.size() / ort, ort, ort);

        BertClassifier model = BertClassifier.create(BertEncoder.fromWeights(weights, manager, 0.1f, 0.1f), 20, 0.1f, true, manager, 1);
        FineTunedMeta meta = new FineTunedMeta(FineTunedMeta.FORMAT, weights.shape(), labels(20), 0.1f, 0.1f, 0.1f, true, length, "", "");
        FineTunedTeacher teacher = FineTunedTeacher.of(model, meta, manager.newSubManager());
        scoreRow(teacher, tokenizer, texts.subList(0, 16), ids.subList(0, 16), 0, 0, length, 0); // warm-up
        double plain = scoreRow(teacher, tokenizer, texts, ids, 0, 0, length, ort);
        for (int mcLayers : new int[] {0, 1, 2, 6}) {
          List<String> t = mcLayers == 6 ? texts.subList(0, 16) : texts;
          scoreRowLabelled(teacher, tokenizer, t, ids.subList(0, t.size()), passes, mcLayers, length, ort, plain);
        }

        int[] y = new int[64];
        for (int i = 0; i < y.length; i++) {
          y[i] = i % 20;
        }
        LabelledTexts train = new LabelledTexts(ids.subList(0, 64), texts.subList(0, 64), y);
        LabelledTexts val = new LabelledTexts(ids.subList(64, 65), texts.subList(64, 65), new int[] {0});
        var result = new FineTuneTrainer(new FineTuneOptions(1, 16, 5e-5, 1e-2, 0.01, 0.1, 1.0, 1, 1)).train(model, manager, tokenizer, train, val);
        row(length, "fine-tuning (forward + backward + AdamW, batch 16)", 64, 64 / result.trainExamplesPerSecond(), result.trainExamplesPerSecond(), ort);
        teacher.close();
      }
    }
  }

  private static double scoreRow(FineTunedTeacher teacher, TextTokenizer tokenizer, List<String> texts, List<String> ids, int passes, int mcLayers, int length, double ort) {
    long start = System.nanoTime();
    for (int from = 0; from < texts.size(); from += 16) {
      int to = Math.min(texts.size(), from + 16);
      TokenizedBatch tokens = tokenizer.tokenize(texts.subList(from, to), ids.subList(from, to));
      teacher.score(tokens, ids.subList(from, to).stream().mapToLong(DropoutMask::rowKey).toArray(), passes, 7, mcLayers);
    }
    double rate = texts.size() / ((System.nanoTime() - start) / 1e9);
    if (ort > 0) {
      row(length, "PyTorch forward (logits + features)", texts.size(), texts.size() / rate, rate, ort);
    }
    return rate;
  }

  private static void scoreRowLabelled(FineTunedTeacher teacher, TextTokenizer tokenizer, List<String> texts, List<String> ids, int passes, int mcLayers, int length, double ort, double plain) {
    long start = System.nanoTime();
    for (int from = 0; from < texts.size(); from += 16) {
      int to = Math.min(texts.size(), from + 16);
      TokenizedBatch tokens = tokenizer.tokenize(texts.subList(from, to), ids.subList(from, to));
      teacher.score(tokens, ids.subList(from, to).stream().mapToLong(DropoutMask::rowKey).toArray(), passes, 7, mcLayers);
    }
    double rate = texts.size() / ((System.nanoTime() - start) / 1e9);
    String what = mcLayers == 0 ? "score, MC head only" : mcLayers == 6 ? "score, MC whole model" : "score, MC top " + mcLayers + " layer(s)";
    row(length, what + String.format(Locale.ROOT, " (%.2fx the plain forward's time)", plain / rate), texts.size(), texts.size() / rate, rate, ort);
  }

  private static void row(int length, String what, int texts, double seconds, double rate, double ort) {
    System.out.printf(Locale.ROOT, "| %d | %s | %d | %.1f | %.1f | %.2fx |%n", length, what, texts, seconds, rate, rate / ort);
  }

  private static List<String> labels(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("c" + i);
    }
    return out;
  }

  /** The first {@code n} texts of the file that fill {@code tokenizer}'s maximum length. */
  static List<String> longTexts(Path data, TextTokenizer tokenizer, int n) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> out = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(data)), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null && out.size() < n; line = in.readLine()) {
        JsonNode row = json.readTree(line);
        String text = row.get("text").asText();
        if (tokenizer.tokenize(List.of(text), List.of("x")).truncated()[0]) {
          out.add(text);
        }
      }
    }
    return out;
  }
}
