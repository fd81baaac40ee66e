package org.sparkdistill.teacher;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.train.TorchRandom;

/**
 * Trains a classification head {@code dropout -> Linear(C)} on fixed feature vectors (e.g.
 * sentence embeddings) with DJL's PyTorch engine on the CPU: Adam, softmax cross-entropy,
 * shuffled mini-batches, early stopping on validation accuracy.
 *
 * <p>Model selection: an epoch becomes the best one when its validation accuracy (dropout off)
 * is higher than the best so far, or equal with a lower validation loss; the best epoch's W and
 * b are returned. Patience counts epochs since validation accuracy last rose strictly, so a
 * plateau at equal accuracy with slowly falling loss still stops.
 *
 * <p>Determinism: for one seed, inputs and hyperparameters the result is bit-identical on the
 * same machine and thread count. Weight initialisation and dropout masks come from libtorch's
 * process-wide generator, which {@link #train} reseeds; runs inside one JVM are serialised on a
 * global lock (DJL also allows only one PyTorch gradient collector per process). Anything else
 * that draws from libtorch's generator concurrently (e.g. engine-side MC dropout) breaks the
 * guarantee.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class HeadTrainer {
  private static final String ENGINE = "PyTorch";

  private final double dropout;
  private final int epochs;
  private final int batchSize;
  private final double learningRate;
  private final double weightDecay;
  private final int patience;
  private final long seed;

  private HeadTrainer(Builder b) {
    this.dropout = b.dropout;
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.learningRate = b.learningRate;
    this.weightDecay = b.weightDecay;
    this.patience = b.patience;
    this.seed = b.seed;
  }

  /** A builder with the defaults of {@code teacher.*} ({@link DistillConfig.TeacherSettings}). */
  public static Builder builder() {
    return builder(new DistillConfig.TeacherSettings());
  }

  /** A builder set from {@code teacher}: dropout and every shared training setting. */
  public static Builder builder(DistillConfig.TeacherSettings teacher) {
    return new Builder()
        .optDropout(teacher.dropout)
        .optEpochs(teacher.epochs)
        .optBatchSize(teacher.batchSize)
        .optLearningRate(teacher.learningRate)
        .optWeightDecay(teacher.weightDecay)
        .optPatience(teacher.patience)
        .optSeed(teacher.seed);
  }

  public double dropout() {
    return dropout;
  }

  public int epochs() {
    return epochs;
  }

  public int batchSize() {
    return batchSize;
  }

  public double learningRate() {
    return learningRate;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public int patience() {
    return patience;
  }

  public long seed() {
    return seed;
  }

  /**
   * Trains dropout -> Linear(C) on train features, early stopping on validation accuracy (ties:
   * lower val loss), restores the best epoch's weights.
   *
   * @param trainX n ≥ 1 rows of equal length d ≥ 1, finite
   * @param trainY n labels in [0, numClasses)
   * @param valX m ≥ 1 rows of length d, finite
   * @param valY m labels in [0, numClasses)
   * @param numClasses C ≥ 2
   * @throws IllegalArgumentException naming the bad row, column or value
   * @throws IllegalStateException when the training loss becomes non-finite
   */
  public TrainedHead train(
      float[][] trainX, int[] trainY, float[][] valX, int[] valY, int numClasses) {
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses must be >= 2, got: " + numClasses);
    }
    int d = checkSplit("trainX", trainX, "trainY", trainY, numClasses, -1);
    checkSplit("valX", valX, "valY", valY, numClasses, d);
    float[] trainFlat = flatten(trainX, d);
    float[] valFlat = flatten(valX, d);
    long[] valLabels = toLong(valY);
    TorchRandom.LOCK.lock();
    try {
      return run(trainFlat, trainY, valFlat, valLabels, d, numClasses);
    } finally {
      TorchRandom.LOCK.unlock();
    }
  }

  private TrainedHead run(
      float[] trainFlat, int[] trainY, float[] valFlat, long[] valY, int d, int numClasses) {
    int n = trainY.length;
    int m = valY.length;
    // Engine.setRandomSeed takes an int; fold the long so both halves matter.
    Engine.getEngine(ENGINE).setRandomSeed(Long.hashCode(seed));

    Linear linear = Linear.builder().setUnits(numClasses).build();
    SequentialBlock block = new SequentialBlock();
    block.add(Dropout.builder().optRate((float) dropout).build());
    block.add(linear);

    Loss loss = Loss.softmaxCrossEntropyLoss();
    Optimizer adam =
        Optimizer.adam()
            .optLearningRateTracker(Tracker.fixed((float) learningRate))
            .optWeightDecays((float) weightDecay)
            .build();
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss).optOptimizer(adam).optDevices(new Device[] {Device.cpu()});

    try (Model model = Model.newInstance("teacher-head", Device.cpu(), ENGINE)) {
      model.setBlock(block);
      try (Trainer trainer = model.newTrainer(config)) {
        trainer.initialize(new Shape(Math.min(batchSize, n), d));

        Random shuffle = new Random(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
          order[i] = i;
        }
        List<EpochStats> history = new ArrayList<>();
        float[] bestW = null;
        float[] bestB = null;
        int bestEpoch = 0;
        double bestAcc = Double.NEGATIVE_INFINITY;
        double bestLoss = Double.POSITIVE_INFINITY;
        int sinceAccuracyRose = 0;
        int epoch = 0;

        while (epoch < epochs) {
          epoch++;
          shuffleInPlace(order, shuffle);
          double lossSum = 0;
          for (int start = 0; start < n; start += batchSize) {
            int rows = Math.min(batchSize, n - start);
            float[] xb = new float[rows * d];
            long[] yb = new long[rows];
            for (int r = 0; r < rows; r++) {
              int src = order[start + r];
              System.arraycopy(trainFlat, src * d, xb, r * d, d);
              yb[r] = trainY[src];
            }
            try (NDManager batch = trainer.getManager().newSubManager()) {
              NDArray x = batch.create(xb, new Shape(rows, d));
              NDArray y = batch.create(yb);
              try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList logits = trainer.forward(new NDList(x));
                NDArray batchLoss = loss.evaluate(new NDList(y), logits);
                collector.backward(batchLoss);
                lossSum += (double) batchLoss.getFloat() * rows;
              }
              trainer.step();
            }
          }
          double trainLoss = lossSum / n;
          if (!Double.isFinite(trainLoss)) {
            throw new IllegalStateException(
                "training diverged at epoch " + epoch + ": train loss " + trainLoss
                    + "; lower the learning rate (" + learningRate + ")");
          }

          double valLoss;
          double valAcc;
          try (NDManager eval = trainer.getManager().newSubManager()) {
            NDArray x = eval.create(valFlat, new Shape(m, d));
            NDArray y = eval.create(valY);
            NDList logits = trainer.evaluate(new NDList(x));
            valLoss = loss.evaluate(new NDList(y), logits).getFloat();
            long[] predicted = logits.singletonOrThrow().argMax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < m; i++) {
              if (predicted[i] == valY[i]) {
                correct++;
              }
            }
            valAcc = (double) correct / m;
          }
          history.add(new EpochStats(epoch, trainLoss, valLoss, valAcc));

          boolean accuracyRose = valAcc > bestAcc;
          if (accuracyRose || (valAcc == bestAcc && valLoss < bestLoss)) {
            bestAcc = valAcc;
            bestLoss = valLoss;
            bestEpoch = epoch;
            bestW = linear.getParameters().get("weight").getArray().toFloatArray();
            bestB = linear.getParameters().get("bias").getArray().toFloatArray();
          }
          sinceAccuracyRose = accuracyRose ? 0 : sinceAccuracyRose + 1;
          if (sinceAccuracyRose >= patience) {
            break;
          }
        }

        float[][] weight = new float[numClasses][d];
        for (int c = 0; c < numClasses; c++) {
          System.arraycopy(bestW, c * d, weight[c], 0, d);
        }
        return new TrainedHead(
            weight, bestB, dropout, bestEpoch, epoch, bestAcc, bestLoss, history);
      }
    }
  }

  private static void shuffleInPlace(int[] a, Random rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** Validates one split and returns its row length d. */
  private static int checkSplit(
      String xName, float[][] x, String yName, int[] y, int numClasses, int expectedDim) {
    if (x == null) {
      throw new IllegalArgumentException(xName + " must not be null");
    }
    if (y == null) {
      throw new IllegalArgumentException(yName + " must not be null");
    }
    if (x.length == 0) {
      throw new IllegalArgumentException(xName + " must have >= 1 row, got 0");
    }
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          xName + " has " + x.length + " rows but " + yName + " has " + y.length + " labels");
    }
    if (x[0] == null) {
      throw new IllegalArgumentException(xName + "[0] must not be null");
    }
    int d = x[0].length;
    if (d == 0) {
      throw new IllegalArgumentException(xName + " rows must have length >= 1, got 0");
    }
    if (expectedDim >= 0 && d != expectedDim) {
      throw new IllegalArgumentException(
          xName + " rows have length " + d + " but trainX rows have length " + expectedDim);
    }
    for (int i = 0; i < x.length; i++) {
      float[] row = x[i];
      if (row == null) {
        throw new IllegalArgumentException(xName + "[" + i + "] must not be null");
      }
      if (row.length != d) {
        throw new IllegalArgumentException(
            xName + "[" + i + "] has length " + row.length + ", expected " + d + " (as "
                + xName + "[0])");
      }
      for (int j = 0; j < d; j++) {
        if (!Float.isFinite(row[j])) {
          throw new IllegalArgumentException(
              xName + "[" + i + "][" + j + "] must be finite, got: " + row[j]);
        }
      }
      if (y[i] < 0 || y[i] >= numClasses) {
        throw new IllegalArgumentException(
            yName + "[" + i + "] must be in [0, " + numClasses + "), got: " + y[i]);
      }
    }
    return d;
  }

  private static float[] flatten(float[][] x, int d) {
    float[] flat = new float[Math.multiplyExact(x.length, d)];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, flat, i * d, d);
    }
    return flat;
  }

  private static long[] toLong(int[] y) {
    long[] out = new long[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = y[i];
    }
    return out;
  }

  /** Hyperparameters; every setter validates its value. */
  public static final class Builder {
    // Set by builder(TeacherSettings): the defaults live in DistillConfig only.
    private double dropout;
    private int epochs;
    private int batchSize;
    private double learningRate;
    private double weightDecay;
    private int patience;
    private long seed;

    private Builder() {}

    /** Input dropout rate in [0, 1); default {@code teacher.dropout}. */
    public Builder optDropout(double rate) {
      if (!(rate >= 0.0 && rate < 1.0)) {
        throw new IllegalArgumentException("dropout must be in [0, 1), got: " + rate);
      }
      this.dropout = rate;
      return this;
    }

    /** Maximum epochs, ≥ 1; default {@code teacher.epochs}. */
    public Builder optEpochs(int epochs) {
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, got: " + epochs);
      }
      this.epochs = epochs;
      return this;
    }

    /** Mini-batch size, ≥ 1; default {@code teacher.batchSize}. The last batch of an epoch may be smaller. */
    public Builder optBatchSize(int batchSize) {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, got: " + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Adam learning rate, finite and > 0; default {@code teacher.learningRate}. */
    public Builder optLearningRate(double learningRate) {
      if (!(learningRate > 0.0) || !Double.isFinite(learningRate)) {
        throw new IllegalArgumentException(
            "learningRate must be finite and > 0, got: " + learningRate);
      }
      this.learningRate = learningRate;
      return this;
    }

    /**
     * L2 weight decay (added to the gradient, applied to W and b), finite and ≥ 0; default
     * {@code teacher.weightDecay}.
     */
    public Builder optWeightDecay(double weightDecay) {
      if (!(weightDecay >= 0.0) || !Double.isFinite(weightDecay)) {
        throw new IllegalArgumentException(
            "weightDecay must be finite and >= 0, got: " + weightDecay);
      }
      this.weightDecay = weightDecay;
      return this;
    }

    /** Epochs without a rise in validation accuracy before stopping, ≥ 1; default {@code teacher.patience}. */
    public Builder optPatience(int patience) {
      if (patience < 1) {
        throw new IllegalArgumentException("patience must be >= 1, got: " + patience);
      }
      this.patience = patience;
      return this;
    }

    /** Seed for initialisation, dropout and shuffling; default {@code teacher.seed}. */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public HeadTrainer build() {
      return new HeadTrainer(this);
    }
  }
}
