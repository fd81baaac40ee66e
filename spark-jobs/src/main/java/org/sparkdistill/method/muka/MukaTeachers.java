package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.EncoderPrecision;

/**
 * MUKA's teachers as the configuration names them ({@code muka.teachers}, or {@code
 * muka.defaultTeachers} contiguous blocks of {@code data.labels} named t1, t2, ...), and the
 * configuration under which each one's {@code train-teacher} and {@code score} stages run: the
 * run's configuration with {@code teacher.labels} set to its subset and its outputs at {@code
 * <workDir>/train-teacher-<name>} and {@code <workDir>/score-<name>} (or {@code
 * outputs.train-teacher-<name>}, {@code outputs.score-<name>}). Prepare is shared; an encoder
 * precision other than {@code encoder.precision} gets its own {@code encode-<precision>} output.
 */
public final class MukaTeachers {
  private MukaTeachers() {}

  /**
   * One teacher.
   *
   * @param name names its outputs
   * @param labels its label subset, in union order
   * @param block the union index of each of its labels
   * @param precision its encoder precision (fp32 | int8)
   */
  public record Teacher(String name, List<String> labels, int[] block, String precision) implements java.io.Serializable {
    /** The key of its cache among the run's outputs. */
    public String scoreOutput() {
      return "score-" + name;
    }

    /** The key of its head among the run's outputs. */
    public String headOutput() {
      return "train-teacher-" + name;
    }
  }

  /** The configured teachers, in order. */
  public static List<Teacher> of(DistillConfig c) {
    List<String> union = c.data.labels;
    Map<String, List<String>> subsets = new LinkedHashMap<>();
    if (c.muka.teachers != null && !c.muka.teachers.isEmpty()) {
      subsets.putAll(c.muka.teachers);
    } else {
      int n = c.muka.defaultTeachers;
      for (int k = 0; k < n; k++) {
        int from = (int) ((long) union.size() * k / n);
        int to = (int) ((long) union.size() * (k + 1) / n);
        subsets.put("t" + (k + 1), union.subList(from, to));
      }
    }
    List<Teacher> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : subsets.entrySet()) {
      String error = LabelSubsets.error("muka.teachers." + e.getKey(), e.getValue(), union);
      if (error != null) {
        throw new IllegalArgumentException(error);
      }
      int[] block = e.getValue().stream().mapToInt(union::indexOf).toArray();
      String precision = c.muka.teacherEncoders.getOrDefault(e.getKey(), c.encoder.precision);
      out.add(new Teacher(e.getKey(), List.copyOf(e.getValue()), block, EncoderPrecision.parse(precision).value()));
    }
    return out;
  }

  /** The configuration of {@code teacher}'s train-teacher and score stages. */
  public static DistillConfig teacherConfig(DistillConfig c, Teacher teacher) {
    DistillConfig t = c.copy();
    t.teacher.labels = new ArrayList<>(teacher.labels());
    t.outputs.put("train-teacher", dir(c, teacher.headOutput()));
    t.outputs.put("score", dir(c, teacher.scoreOutput()));
    String runPrecision = EncoderPrecision.parse(c.encoder.precision).value();
    if (!teacher.precision().equals(runPrecision)) {
      t.encoder.precision = teacher.precision();
      t.outputs.put("encode", dir(c, "encode-" + teacher.precision()));
    }
    return t;
  }

  /** {@code outputs.<key>}, else {@code <workDir>/<key>}. */
  static String dir(DistillConfig c, String key) {
    return c.outputs.getOrDefault(key, new Path(c.workDir, key).toString());
  }
}
