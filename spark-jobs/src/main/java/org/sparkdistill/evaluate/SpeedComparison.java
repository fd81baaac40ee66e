package org.sparkdistill.evaluate;

import ai.djl.Device;
import java.util.List;
import java.util.Locale;
import org.sparkdistill.bench.Timing;
import org.sparkdistill.udfs.model.EncodedBatch;
import org.sparkdistill.udfs.model.EncoderSpec;
import org.sparkdistill.udfs.model.LinearHead;
import org.sparkdistill.udfs.model.OnnxSentenceEncoder;
import org.sparkdistill.udfs.student.StudentModel;
import org.sparkdistill.udfs.text.TextTokenizer;
import org.sparkdistill.udfs.transformer.FineTunedTeacher;

/**
 * Teacher vs student throughput under one protocol, stated in {@link Result#protocol()}: the same
 * texts, the same batch size, tokenisation included, one JVM and one thread of control, teacher
 * MC off (encoder + head logits), the model loaded before any timing, one warm-up pass each, then
 * {@code repeats} timed repeats of at least a second of work each ({@link Timing}: the student's
 * pass over 128 texts takes milliseconds, so a repeat runs it hundreds of times). The fastest
 * repeat gives the headline rows/s; the median is reported beside it.
 */
public final class SpeedComparison {
  private SpeedComparison() {}

  /** Rows per second of both models and the protocol they were measured under. */
  public record Result(
      int rows,
      int batchSize,
      String teacherDescription,
      double teacherRowsPerSecond,
      double studentRowsPerSecond,
      Timing teacher,
      Timing student) {
    /** Median-repeat throughput of the teacher. */
    public double teacherMedianRowsPerSecond() {
      return rows / teacher.median();
    }

    /** Median-repeat throughput of the student. */
    public double studentMedianRowsPerSecond() {
      return rows / student.median();
    }

    public double speedup() {
      return studentRowsPerSecond / teacherRowsPerSecond;
    }

    public String protocol() {
      return String.format(
          Locale.ROOT,
          "%d test texts, batch %d, tokenisation included, one JVM, teacher = %s,"
              + " student = its own featurizer (hashed n-grams or WordPiece ids) + network (libtorch threads as set by -Dai.djl.pytorch.num_threads), model loaded before timing, one warm-up pass,"
              + " then repeats of >= %.0f s of work each (teacher %d passes, student %d passes over %d repeats); fastest repeat, median beside it",
          rows, batchSize, teacherDescription, Timing.MIN_SECONDS, teacher.passes(), student.passes(), teacher.repeats());
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
      return compare("ONNX encoder (" + encoder.intraOpThreads() + " intra-op thread) + linear head with MC off", teacherPass, student, texts, batchSize, repeats);
    }
  }

  /**
   * The same protocol against a fine-tuned teacher ({@code teacher.kind: finetune}): its tokenizer
   * and one deterministic forward of the whole model per batch (logits and features, no MC pass),
   * on libtorch with the threads of {@code -Dai.djl.pytorch.num_threads}, as the student.
   */
  public static Result run(FineTunedTeacher teacher, TextTokenizer tokenizer, StudentModel student, List<String> texts, List<String> ids, int batchSize, int repeats) {
    Runnable teacherPass =
        () -> {
          for (int from = 0; from < texts.size(); from += batchSize) {
            int to = Math.min(from + batchSize, texts.size());
            teacher.score(tokenizer.tokenize(texts.subList(from, to), ids.subList(from, to)), new long[to - from], 0, 0, 0);
          }
        };
    String description = "the fine-tuned " + teacher.meta().shape().layers() + "-layer encoder + head (libtorch, threads as the student's) with MC off";
    return compare(description, teacherPass, student, texts, batchSize, repeats);
  }

  private static Result compare(String teacherDescription, Runnable teacherPass, StudentModel student, List<String> texts, int batchSize, int repeats) {
    Runnable studentPass =
        () -> {
          for (int from = 0; from < texts.size(); from += batchSize) {
            student.probabilities(texts.subList(from, Math.min(from + batchSize, texts.size())));
          }
        };
    Timing t = Timing.of(teacherPass, Math.max(1, repeats));
    Timing st = Timing.of(studentPass, Math.max(1, repeats));
    return new Result(texts.size(), batchSize, teacherDescription, texts.size() / t.min(), texts.size() / st.min(), t, st);
  }
}
