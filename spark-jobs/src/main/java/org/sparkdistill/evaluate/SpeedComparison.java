package org.sparkdistill.evaluate;

import ai.djl.Device;
import java.util.List;
import java.util.Locale;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.student.StudentModel;

/**
 * Teacher vs student throughput under one protocol, stated in {@link Result#protocol()}: the same
 * texts, the same batch size, tokenisation included, one JVM and one thread of control, teacher
 * MC off (encoder + head logits), one warm-up pass each, best of {@code repeats} timed passes.
 */
public final class SpeedComparison {
  private SpeedComparison() {}

  /** Rows per second of both models and the protocol they were measured under. */
  public record Result(int rows, int batchSize, int onnxThreads, double teacherRowsPerSecond, double studentRowsPerSecond) {
    public double speedup() {
      return studentRowsPerSecond / teacherRowsPerSecond;
    }

    public String protocol() {
      return String.format(
          Locale.ROOT,
          "%d test texts, batch %d, tokenisation included, one JVM, teacher = ONNX encoder (%d intra-op thread) + linear head with MC off,"
              + " student = hashing + embedding bag (libtorch threads as set by -Dai.djl.pytorch.num_threads), one warm-up pass, best of the timed passes",
          rows, batchSize, onnxThreads);
    }
  }

  public static Result run(EncoderSpec encoder, LinearHead head, StudentModel student, List<String> texts, List<String> ids, int batchSize, int repeats) {
    try (OnnxSentenceEncoder teacher = OnnxSentenceEncoder.load(encoder, Device.cpu());
        OnnxSentenceEncoder.Session session = teacher.newSession()) {
      Runnable teacherPass =
          () -> {
            for (int from = 0; from < texts.size(); from += batchSize) {
              int to = Math.min(from + batchSize, texts.size());
              EncodedBatch batch = session.encode(texts.subList(from, to), ids.subList(from, to));
              for (float[] v : batch.vectors()) {
                head.logits(v);
              }
            }
          };
      Runnable studentPass =
          () -> {
            for (int from = 0; from < texts.size(); from += batchSize) {
              student.probabilities(texts.subList(from, Math.min(from + batchSize, texts.size())));
            }
          };
      double teacherSeconds = best(teacherPass, repeats);
      double studentSeconds = best(studentPass, repeats);
      return new Result(texts.size(), batchSize, encoder.intraOpThreads(), texts.size() / teacherSeconds, texts.size() / studentSeconds);
    }
  }

  private static double best(Runnable pass, int repeats) {
    pass.run();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < Math.max(1, repeats); i++) {
      long start = System.nanoTime();
      pass.run();
      best = Math.min(best, (System.nanoTime() - start) / 1e9);
    }
    return best;
  }
}
