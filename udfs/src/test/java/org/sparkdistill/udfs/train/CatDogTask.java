package org.sparkdistill.udfs.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.sparkdistill.udfs.student.StudentBatch;
import org.sparkdistill.udfs.student.StudentModel;

/** A tiny synthetic two-class text task ("cat" words vs "dog" words) and one KD training step. */
final class CatDogTask {

  static final List<String> LABELS = List.of("cat", "dog");
  private static final String[] FILLER =
      "the a on with ran big small red blue house tree saw near under old new quick lazy"
          .split(" ");
  private static final String[][] CLASS_WORDS = {
    {"cat", "kitten", "meow", "whiskers"}, {"dog", "puppy", "woof", "bark"}
  };

  final List<String> texts = new ArrayList<>();
  final int[] labels;
  /** Teacher-like soft targets: 0.85 on the true class. */
  final float[][] targets;

  CatDogTask(int n, long seed) {
    Random rng = new Random(seed);
    labels = new int[n];
    targets = new float[n][2];
    for (int i = 0; i < n; i++) {
      int y = rng.nextInt(2);
      int len = 5 + rng.nextInt(8);
      int classWordAt = rng.nextInt(len);
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < len; w++) {
        String word = w == classWordAt
            ? CLASS_WORDS[y][rng.nextInt(CLASS_WORDS[y].length)]
            : FILLER[rng.nextInt(FILLER.length)];
        sb.append(w == 0 ? "" : " ").append(word);
      }
      texts.add(sb.toString());
      labels[i] = y;
      targets[i][y] = 0.85f;
      targets[i][1 - y] = 0.15f;
    }
  }

  /**
   * One forward/backward/Adam step on rows [from, to): dropout on, every third row unlabelled
   * (label −1, KL only). Returns the batch loss.
   */
  float step(StudentModel model, ResumableAdam adam, KdLoss loss, int from, int to) {
    int n = to - from;
    List<int[]> ids = new ArrayList<>(n);
    long[] y = new long[n];
    float[][] t = new float[n][];
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      ids.add(model.featurize(texts.get(from + i)));
      y[i] = (from + i) % 3 == 0 ? -1 : labels[from + i];
      t[i] = targets[from + i];
      w[i] = 1f;
    }
    float value;
    try (NDManager batch = model.model().getNDManager().newSubManager()) {
      NDList inputs = StudentBatch.of(ids).toNDList(batch);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray logits =
            model.block().forward(new ParameterStore(batch, false), inputs, true).singletonOrThrow();
        NDArray l = loss.compute(logits, batch.create(t), batch.create(y), batch.create(w));
        gc.backward(l);
        value = l.getFloat();
      }
    }
    adam.step(model.block());
    return value;
  }

  /** Runs steps [firstStep, lastStep) over consecutive batches, reseeding libtorch per step. */
  void train(StudentModel model, ResumableAdam adam, KdLoss loss, int batchSize, int firstStep,
      int lastStep) {
    int batchesPerEpoch = texts.size() / batchSize;
    for (int s = firstStep; s < lastStep; s++) {
      // dropout masks come from libtorch's global generator: reseed per step for exact resumes
      JniUtils.setSeed(1_000L + s);
      int b = s % batchesPerEpoch;
      step(model, adam, loss, b * batchSize, (b + 1) * batchSize);
    }
  }

  double accuracy(StudentModel model) {
    float[][] p = model.probabilities(texts);
    int correct = 0;
    for (int i = 0; i < p.length; i++) {
      int predicted = p[i][1] > p[i][0] ? 1 : 0;
      if (predicted == labels[i]) {
        correct++;
      }
    }
    return (double) correct / p.length;
  }
}
