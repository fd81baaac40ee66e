package org.sparkdistill.udfs.transformer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.train.TorchRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tunes a {@link BertClassifier} (encoder and head together) on labelled texts: cross-entropy,
 * {@link AdamW} with global gradient-norm clipping, linear warm-up then linear decay of the learning
 * rate over the maximum number of steps ({@link FineTuneOptions#schedule}), libtorch's dropout at
 * every site in training, and early stopping on validation accuracy (ties: lower validation loss)
 * with {@code patience}; the best epoch's parameters are kept (a copy in memory, the size of the
 * model) and restored at the end.
 *
 * <p>Runs on the calling thread, holding {@link TorchRandom#LOCK} (libtorch's generator is seeded
 * with {@code seed}, and DJL allows one gradient collector per JVM). Texts are tokenized per batch
 * and padded to the batch's longest; training order is reshuffled per epoch from the seed.
 *
 * <p>Cost: a training step about 3× a forward pass (about 2.7 GFLOP per 128-token text through
 * all-MiniLM-L6-v2), plus one forward per validation text and epoch. A non-finite loss or gradient
 * stops training with an error naming the epoch and the batch.
 */
public final class FineTuneTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(FineTuneTrainer.class);
  private static final int EVAL_BATCH = 32;

  private final FineTuneOptions options;

  public FineTuneTrainer(FineTuneOptions options) {
    this.options = options;
  }

  /** Trains {@code model} in place; returns what happened. */
  public FineTuneResult train(BertClassifier model, NDManager manager, TextTokenizer tokenizer, LabelledTexts train, LabelledTexts validation) {
    requireTexts(train, validation);
    return TorchRandom.seeded(options.seed(), () -> run(model, manager, tokenizer, train, validation));
  }

  /** Refuses empty train or validation texts, naming both counts (before any forward pass). */
  public static void requireTexts(LabelledTexts train, LabelledTexts validation) {
    if (train.size() == 0 || validation.size() == 0) {
      throw new IllegalArgumentException("fine-tuning needs labelled train and validation texts, got " + train.size() + " and " + validation.size());
    }
  }

  private FineTuneResult run(BertClassifier model, NDManager manager, TextTokenizer tokenizer, LabelledTexts train, LabelledTexts validation) {
    for (Pair<String, Parameter> p : model.getParameters()) {
      p.getValue().getArray().setRequiresGradient(true);
    }
    int batches = (train.size() + options.batchSize() - 1) / options.batchSize();
    long totalSteps = (long) batches * options.epochs();
    List<Map<String, Object>> history = new ArrayList<>();
    byte[] best = snapshot(model);
    double bestAccuracy = -1;
    double bestLoss = Double.POSITIVE_INFINITY;
    int bestEpoch = 0;
    int epochsRun = 0;
    long trainNanos = 0;
    long trainTexts = 0;
    try (AdamW optimizer = new AdamW(options.weightDecay(), options.maxGradNorm())) {
      for (int epoch = 1; epoch <= options.epochs(); epoch++) {
        long start = System.nanoTime();
        int[] order = shuffled(train.size(), new SplittableRandom(options.seed() * 31 + epoch));
        double lossSum = 0;
        double lr = 0;
        for (int b = 0; b < batches; b++) {
          int from = b * options.batchSize();
          int to = Math.min(train.size(), from + options.batchSize());
          List<String> ids = new ArrayList<>(to - from);
          List<String> texts = new ArrayList<>(to - from);
          int[] labels = new int[to - from];
          for (int i = from; i < to; i++) {
            ids.add(train.ids().get(order[i]));
            texts.add(train.texts().get(order[i]));
            labels[i - from] = train.labels()[order[i]];
          }
          TokenizedBatch tokens = tokenizer.tokenize(texts, ids);
          float loss;
          try (NDManager tmp = manager.newSubManager(); GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDList out = model.forward(new ParameterStore(tmp, false), inputs(tmp, tokens), true);
            NDArray l = crossEntropy(out.get(0), tmp.create(labels));
            loss = l.getFloat();
            if (!Float.isFinite(loss)) {
              throw new ArithmeticException("fine-tuning loss is " + loss + " at epoch " + epoch + ", batch " + (b + 1) + " of " + batches + " (first row id " + ids.get(0) + "): lower teacher.finetune.learningRate");
            }
            collector.backward(l);
          }
          long step = optimizer.steps() + 1;
          double factor = FineTuneOptions.schedule(step, totalSteps, options.warmupFraction());
          lr = options.learningRate() * factor;
          try {
            optimizer.step(model, lr, options.headLearningRate() * factor);
          } catch (ArithmeticException e) {
            throw new ArithmeticException(e.getMessage() + " (epoch " + epoch + ", batch " + (b + 1) + ")");
          }
          lossSum += (double) loss * labels.length;
        }
        long trained = System.nanoTime() - start;
        trainNanos += trained;
        trainTexts += train.size();
        Evaluation val = evaluate(model, manager, tokenizer, validation);
        epochsRun = epoch;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("epoch", epoch);
        row.put("trainLoss", lossSum / train.size());
        row.put("validationLoss", val.loss);
        row.put("validationAccuracy", val.accuracy);
        row.put("learningRate", lr);
        row.put("seconds", (System.nanoTime() - start) / 1e9);
        history.add(row);
        LOG.info("fine-tune epoch {}: train loss {}, validation loss {}, accuracy {} ({} s)", epoch,
            String.format("%.4f", lossSum / train.size()), String.format("%.4f", val.loss), String.format("%.4f", val.accuracy), String.format("%.1f", trained / 1e9));
        if (val.accuracy > bestAccuracy || (val.accuracy == bestAccuracy && val.loss < bestLoss)) {
          bestAccuracy = val.accuracy;
          bestLoss = val.loss;
          bestEpoch = epoch;
          best = snapshot(model);
        } else if (epoch - bestEpoch >= options.patience()) {
          break;
        }
      }
      restore(model, manager, best);
      for (Pair<String, Parameter> p : model.getParameters()) {
        p.getValue().getArray().setRequiresGradient(false);
      }
      return new FineTuneResult(bestEpoch, epochsRun, optimizer.steps(), bestAccuracy, bestLoss, history, trainTexts / (trainNanos / 1e9));
    }
  }

  /** Accuracy and mean cross-entropy of {@code model} (dropout off) on {@code data}. */
  public static Evaluation evaluate(BertClassifier model, NDManager manager, TextTokenizer tokenizer, LabelledTexts data) {
    double[] loss = {0};
    int[] correct = {0};
    forwardInBatches(model, manager, tokenizer, data, (from, out) -> {
      NDArray logits = out.get(0);
      int[] labels = java.util.Arrays.copyOfRange(data.labels(), from, from + Math.toIntExact(logits.getShape().get(0)));
      loss[0] += crossEntropy(logits, logits.getManager().create(labels)).getFloat() * labels.length;
      int[] predicted = logits.argMax(1).toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
      for (int i = 0; i < labels.length; i++) {
        correct[0] += predicted[i] == labels[i] ? 1 : 0;
      }
    });
    return new Evaluation((double) correct[0] / data.size(), loss[0] / data.size());
  }

  /**
   * The head's input for every text of {@code data} (dropout off, no gradients): [n][hidden], what
   * {@code encode} writes for the same encoder file (a linear probe trains on these). Cost: one
   * forward pass per text.
   */
  public static float[][] features(BertClassifier model, NDManager manager, TextTokenizer tokenizer, LabelledTexts data) {
    float[][] out = new float[data.size()][];
    forwardInBatches(model, manager, tokenizer, data, (from, outputs) -> {
      NDArray features = outputs.get(1);
      int rows = Math.toIntExact(features.getShape().get(0));
      int width = Math.toIntExact(features.getShape().get(1));
      float[] flat = features.toFloatArray();
      for (int r = 0; r < rows; r++) {
        out[from + r] = java.util.Arrays.copyOfRange(flat, r * width, (r + 1) * width);
      }
    });
    return out;
  }

  /**
   * {@code model}'s outputs (logits, features) over {@code data} in batches of {@value
   * #EVAL_BATCH} texts, dropout off and gradients not recorded: {@code visit(first row, outputs)}
   * per batch, the outputs on a manager closed after the visit.
   */
  private static void forwardInBatches(BertClassifier model, NDManager manager, TextTokenizer tokenizer, LabelledTexts data, java.util.function.BiConsumer<Integer, NDList> visit) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int from = 0; from < data.size(); from += EVAL_BATCH) {
        int to = Math.min(data.size(), from + EVAL_BATCH);
        TokenizedBatch tokens = tokenizer.tokenize(data.texts().subList(from, to), data.ids().subList(from, to));
        try (NDManager tmp = manager.newSubManager()) {
          visit.accept(from, model.forward(new ParameterStore(tmp, false), inputs(tmp, tokens), false));
        }
      }
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Validation accuracy and mean cross-entropy. */
  public record Evaluation(double accuracy, double loss) {}

  /** The model inputs of a tokenized batch. */
  public static NDList inputs(NDManager manager, TokenizedBatch tokens) {
    return new NDList(manager.create(tokens.inputIds()), manager.create(tokens.attentionMask()), manager.create(tokens.typeIds()));
  }

  /** Mean cross-entropy of {@code logits} [B, C] against class indices {@code labels} [B]. */
  static NDArray crossEntropy(NDArray logits, NDArray labels) {
    NDArray logp = logits.logSoftmax(1);
    NDArray picked = logp.mul(labels.oneHot((int) logits.getShape().get(1))).sum(new int[] {1});
    return picked.neg().mean();
  }

  /** 0..n−1 in a Fisher–Yates order drawn from {@code random}. */
  public static int[] shuffled(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** The block's parameters, serialised (DJL's format), to restore the best epoch. */
  public static byte[] snapshot(ai.djl.nn.Block model) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      model.saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Loads a {@link #snapshot} back into {@code model}. */
  public static void restore(ai.djl.nn.Block model, NDManager manager, byte[] snapshot) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot))) {
      model.loadParameters(manager, in);
    } catch (IOException | ai.djl.MalformedModelException e) {
      throw new IllegalStateException("cannot restore the best epoch's parameters", e);
    }
  }
}
