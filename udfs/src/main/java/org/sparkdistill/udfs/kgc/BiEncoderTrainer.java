package org.sparkdistill.udfs.kgc;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.text.TokenizedBatch;
import org.sparkdistill.udfs.train.TorchRandom;
import org.sparkdistill.udfs.transformer.AdamW;
import org.sparkdistill.udfs.transformer.FineTuneOptions;
import org.sparkdistill.udfs.transformer.FineTuneResult;
import org.sparkdistill.udfs.transformer.FineTuneTrainer;

/**
 * Fine-tunes a {@link BiEncoder} on (query, answer) pairs with {@link SimKgcLoss}: in-batch
 * negatives (the other answers of the batch, minus those that answer the query in training), the
 * self-negative, the additive margin, a learnable temperature; {@link AdamW} with global
 * gradient-norm clipping, linear warm-up then linear decay over all epochs, libtorch's dropout at
 * every site. After each epoch the validation pairs are scored the same way with dropout off (batch
 * order fixed, so the figures compare across epochs); the epoch with the lowest validation loss
 * is kept (ties: more in-batch top-1 hits) and restored at the end, and training stops after
 * {@code patience} epochs without a lower loss. {@link FineTuneResult#bestValidationAccuracy} is
 * the validation pairs' in-batch top-1 rate.
 *
 * <p>Runs on the calling thread holding {@link TorchRandom#LOCK} (libtorch's generator is seeded
 * from {@code seed}; DJL allows one gradient collector per JVM). Cost per step: the query encoder
 * over B texts and the entity encoder over 2B (answers and sources; B without the self-negative),
 * each forward + backward (about 3 forwards), plus one AdamW update of both encoders' parameters.
 */
public final class BiEncoderTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(BiEncoderTrainer.class);

  private final BiEncoderOptions options;
  private final GradeDistillation distillation;

  /** Fine-tuning on the contrastive loss alone. */
  public BiEncoderTrainer(BiEncoderOptions options) {
    this(options, null);
  }

  /**
   * Training steps on {@link PmdLoss} with {@code distillation}'s teacher, mask and weights (null:
   * the contrastive loss alone). Validation always scores the plain contrastive loss on unmasked
   * texts: the task itself, so epochs are chosen on what the grade will be used for.
   */
  public BiEncoderTrainer(BiEncoderOptions options, GradeDistillation distillation) {
    this.options = options;
    this.distillation = distillation;
  }

  /** Trains {@code model} in place; returns what happened. */
  public FineTuneResult train(BiEncoder model, NDManager manager, TextTokenizer tokenizer, KgcExamples train, KgcExamples validation) {
    if (train.size() < 2 || validation.size() == 0) {
      throw new IllegalArgumentException("bi-encoder fine-tuning needs at least 2 train pairs and 1 validation pair, got " + train.size() + " and " + validation.size());
    }
    return TorchRandom.seeded(options.seed(), () -> run(model, manager, tokenizer, train, validation));
  }

  private FineTuneResult run(BiEncoder model, NDManager manager, TextTokenizer tokenizer, KgcExamples train, KgcExamples validation) {
    for (Pair<String, Parameter> p : model.getParameters()) {
      boolean temperature = p.getKey().endsWith(BiEncoder.LOG_INVERSE_TEMPERATURE);
      p.getValue().getArray().setRequiresGradient(!temperature || options.learnTemperature());
    }
    int batches = (train.size() + options.batchSize() - 1) / options.batchSize();
    long totalSteps = (long) batches * options.epochs();
    List<Map<String, Object>> history = new ArrayList<>();
    byte[] best = FineTuneTrainer.snapshot(model);
    double bestLoss = Double.POSITIVE_INFINITY;
    double bestHits = -1;
    int bestEpoch = 0;
    int epochsRun = 0;
    long trainNanos = 0;
    long trainPairs = 0;
    try (AdamW optimizer = new AdamW(options.weightDecay(), options.maxGradNorm())) {
      for (int epoch = 1; epoch <= options.epochs(); epoch++) {
        long start = System.nanoTime();
        int[] order = FineTuneTrainer.shuffled(train.size(), new SplittableRandom(options.seed() * 31 + epoch));
        double lossSum = 0;
        double[] termSums = new double[3];
        long epochPairs = 0;
        double lr = 0;
        for (int b = 0; b < batches; b++) {
          int from = b * options.batchSize();
          int[] rows = java.util.Arrays.copyOfRange(order, from, Math.min(train.size(), from + options.batchSize()));
          if (rows.length < 2) {
            continue; // a last batch of one pair has no in-batch negative
          }
          float loss;
          try (NDManager tmp = manager.newSubManager(); GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            Batch batchLoss = distillation == null ? loss(model, tmp, tokenizer, train, rows, true) : distilled(model, tmp, tokenizer, train, rows, epoch);
            NDArray l = batchLoss.loss;
            for (int t = 0; t < batchLoss.terms.length; t++) {
              termSums[t] += batchLoss.terms[t] * rows.length;
            }
            loss = l.getFloat();
            if (!Float.isFinite(loss)) {
              throw new ArithmeticException("bi-encoder loss is " + loss + " at epoch " + epoch + ", batch " + (b + 1) + " of " + batches + ": lower pmd.finetune.learningRate");
            }
            collector.backward(l);
          }
          double factor = FineTuneOptions.schedule(optimizer.steps() + 1, totalSteps, options.warmupFraction());
          lr = options.learningRate() * factor;
          try {
            optimizer.step(model, lr, lr);
          } catch (ArithmeticException e) {
            throw new ArithmeticException(e.getMessage() + " (epoch " + epoch + ", batch " + (b + 1) + ")");
          }
          lossSum += (double) loss * rows.length;
          epochPairs += rows.length;
          if ((b + 1) % 50 == 0) {
            LOG.info("bi-encoder epoch {}: batch {} of {}, loss {}, tau {}", epoch, b + 1, batches, String.format("%.4f", loss), String.format("%.4f", model.temperature()));
          }
        }
        trainNanos += System.nanoTime() - start;
        trainPairs += epochPairs;
        Validation val = validate(model, manager, tokenizer, validation);
        epochsRun = epoch;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("epoch", epoch);
        row.put("trainLoss", lossSum / epochPairs);
        if (distillation != null) {
          row.put("trainContrastive", termSums[0] / epochPairs);
          row.put("trainScore", termSums[1] / epochPairs);
          row.put("trainFeature", termSums[2] / epochPairs);
        }
        row.put("validationLoss", val.loss);
        row.put("validationInBatchHits", val.hits);
        row.put("temperature", model.temperature());
        row.put("learningRate", lr);
        row.put("seconds", (System.nanoTime() - start) / 1e9);
        history.add(row);
        LOG.info("bi-encoder epoch {}: train loss {}, validation loss {}, in-batch top-1 {}, tau {}", epoch,
            String.format("%.4f", lossSum / epochPairs), String.format("%.4f", val.loss), String.format("%.4f", val.hits), String.format("%.4f", model.temperature()));
        if (val.loss < bestLoss || (val.loss == bestLoss && val.hits > bestHits)) {
          bestLoss = val.loss;
          bestHits = val.hits;
          bestEpoch = epoch;
          best = FineTuneTrainer.snapshot(model);
        } else if (epoch - bestEpoch >= options.patience()) {
          break;
        }
      }
      FineTuneTrainer.restore(model, manager, best);
      for (Pair<String, Parameter> p : model.getParameters()) {
        p.getValue().getArray().setRequiresGradient(false);
      }
      return new FineTuneResult(bestEpoch, epochsRun, optimizer.steps(), bestHits, bestLoss, history, trainPairs / (trainNanos / 1e9));
    }
  }

  /** Validation loss (mean per pair) and in-batch top-1 rate, dropout off, batches in the given order. */
  public Validation validate(BiEncoder model, NDManager manager, TextTokenizer tokenizer, KgcExamples data) {
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      double loss = 0;
      long hits = 0;
      long counted = 0;
      for (int from = 0; from < data.size(); from += options.batchSize()) {
        int to = Math.min(data.size(), from + options.batchSize());
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
          rows[i] = from + i;
        }
        try (NDManager tmp = manager.newSubManager()) {
          Batch batch = loss(model, tmp, tokenizer, data, rows, false);
          loss += batch.loss.getFloat() * rows.length;
          hits += batch.hits;
          counted += rows.length;
        }
      }
      return new Validation(loss / counted, (double) hits / counted);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** Mean validation loss per pair and the in-batch top-1 rate. */
  public record Validation(double loss, double hits) {}

  private record Batch(NDArray loss, int hits, double[] terms) {
    Batch(NDArray loss, int hits) {
      this(loss, hits, new double[0]);
    }
  }

  /**
   * A PMD training batch: queries, answers and (with the self-negative) sources masked alike for
   * student and teacher (seeded by the run's seed, the epoch and the side; keyed by the pair's
   * index), the teacher's vectors and features with gradients off and dropout off.
   */
  private Batch distilled(BiEncoder model, NDManager m, TextTokenizer tokenizer, KgcExamples data, int[] rows, int epoch) {
    int b = rows.length;
    BatchTexts texts = texts(data, rows);
    long seed = options.seed() * 1_000_003L + epoch;
    TokenMasking.Masked queries = masked(tokenizer.tokenize(texts.queryTexts(), texts.queryIds()), 2 * seed, texts.queryKeys());
    TokenMasking.Masked entities = masked(tokenizer.tokenize(texts.entityTexts(), texts.entityIds()), 2 * seed + 1, texts.entityKeys());
    NDList queryInputs = inputs(m, queries.tokens());
    NDList entityInputs = inputs(m, entities.tokens());
    NDArray queryPositions = m.create(queries.positions());
    NDArray entityPositions = m.create(entities.positions());
    ParameterStore ps = new ParameterStore(m, false);
    BiEncoder.Encoded sq = model.encode(ps, true, queryInputs, queryPositions, true);
    BiEncoder.Encoded se = model.encode(ps, false, entityInputs, entityPositions, true);
    BiEncoder.Encoded tq;
    BiEncoder.Encoded te;
    NDArray teacherT;
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      tq = distillation.teacher().encode(ps, true, queryInputs, queryPositions, false);
      te = distillation.teacher().encode(ps, false, entityInputs, entityPositions, false);
      teacherT = distillation.teacher().logInverseTemperature(ps, tq.vectors(), false);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
    NDArray sources = options.selfNegative() ? se.vectors().get(b + ":") : null;
    PmdLoss.Side student = new PmdLoss.Side(sq.vectors(), head(se.vectors(), b), sq.features(), head(se.features(), b), model.logInverseTemperature(ps, sq.vectors(), true));
    PmdLoss.Side teacher = new PmdLoss.Side(tq.vectors(), head(te.vectors(), b), tq.features(), head(te.features(), b), teacherT);
    NDArray keep = m.create(data.keep(rows), new Shape(b, b));
    NDArray keepSource = m.create(data.keepSource(rows), new Shape(b));
    PmdLoss.Terms terms = PmdLoss.compute(student, sources, teacher, keep, keepSource, options.margin(), options.symmetric(), distillation.alpha(), distillation.beta());
    return new Batch(terms.total(), 0, new double[] {terms.contrastive().getFloat(), terms.score().getFloat(), terms.feature().getFloat()});
  }

  private TokenMasking.Masked masked(TokenizedBatch tokens, long seed, long[] keys) {
    TokenMasking.Masked masked = TokenMasking.mask(tokens, distillation.maskRate(), distillation.maskTokenId(), seed, keys);
    if (distillation.featuresOnAllTokens()) {
      return new TokenMasking.Masked(masked.tokens(), TokenMasking.allTokens(tokens), masked.masked());
    }
    return masked;
  }

  private static NDArray head(NDArray x, int b) {
    return x.getShape().get(0) == b ? x : x.get("0:" + b);
  }

  /**
   * A batch's texts: the queries, then the answers and (with the self-negative) the sources on the
   * entity side; keys of the masks: the pair's index, a source's offset by the pair count.
   */
  private record BatchTexts(List<String> queryTexts, List<String> queryIds, List<String> entityTexts, List<String> entityIds, long[] queryKeys, long[] entityKeys) {}

  private BatchTexts texts(KgcExamples data, int[] rows) {
    int b = rows.length;
    BatchTexts t = new BatchTexts(new ArrayList<>(b), new ArrayList<>(b), new ArrayList<>(2 * b), new ArrayList<>(2 * b), new long[b], new long[options.selfNegative() ? 2 * b : b]);
    for (int i = 0; i < b; i++) {
      int r = rows[i];
      t.queryTexts().add(data.queryTexts().get(r));
      t.queryIds().add(data.queryKeys().get(r));
      t.entityTexts().add(data.targetTexts().get(r));
      t.entityIds().add(data.targets().get(r));
      t.queryKeys()[i] = r;
      t.entityKeys()[i] = r;
    }
    if (options.selfNegative()) {
      for (int i = 0; i < b; i++) {
        int r = rows[i];
        t.entityTexts().add(data.sourceTexts().get(r));
        t.entityIds().add(data.sources().get(r));
        t.entityKeys()[b + i] = (long) data.size() + r;
      }
    }
    return t;
  }

  private Batch loss(BiEncoder model, NDManager m, TextTokenizer tokenizer, KgcExamples data, int[] rows, boolean training) {
    int b = rows.length;
    BatchTexts texts = texts(data, rows);
    ParameterStore ps = new ParameterStore(m, false);
    NDArray q = model.queries(ps, inputs(m, tokenizer.tokenize(texts.queryTexts(), texts.queryIds())), training);
    NDArray e = model.entities(ps, inputs(m, tokenizer.tokenize(texts.entityTexts(), texts.entityIds())), training);
    NDArray answers = options.selfNegative() ? e.get("0:" + b) : e;
    NDArray sources = options.selfNegative() ? e.get(b + ":") : null;
    NDArray keep = m.create(data.keep(rows), new Shape(b, b));
    NDArray keepSource = m.create(data.keepSource(rows), new Shape(b));
    NDArray t = model.logInverseTemperature(ps, q, training);
    NDArray loss = SimKgcLoss.compute(q, answers, sources, t, options.margin(), keep, keepSource, options.symmetric());
    int hits = training ? 0 : SimKgcLoss.hits(q, answers, sources, t, options.margin(), keep, keepSource);
    return new Batch(loss, hits);
  }

  private static NDList inputs(NDManager m, TokenizedBatch tokens) {
    return FineTuneTrainer.inputs(m, tokens);
  }
}
