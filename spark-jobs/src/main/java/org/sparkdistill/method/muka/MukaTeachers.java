package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;

/**
 * MUKA's teachers as the configuration names them ({@code muka.teachers}, or {@code
 * muka.defaultTeachers} contiguous blocks of {@code data.labels} named t1, t2, ...), and the
 * configuration under which each one's {@code train-teacher} and {@code score} stages run: the
 * run's configuration with {@code teacher.labels} set to its subset and its outputs at {@code
 * <workDir>/train-teacher-<name>} and {@code <workDir>/score-<name>} (or {@code
 * outputs.train-teacher-<name>}, {@code outputs.score-<name>}). Prepare is shared; an encoder
 * other than the run's ({@code muka.teacherEncoders}: another precision, a preset such as
 * bge-small-int8, a model directory; {@link TeacherEncoder}) gets its own {@code encode-<id>}
 * output. {@code muka.teacherKinds} gives a teacher its own {@code teacher.kind} (head: the frozen
 * encoder + a trained head, whose MC passes cover the head only; finetune: encoder and head trained
 * together, MC over the top {@code teacher.finetune.mcLayers} layers, no encode stage).
 */
public final class MukaTeachers {
  private MukaTeachers() {}

  /**
   * One teacher.
   *
   * @param name names its outputs
   * @param labels its label subset, in union order
   * @param block the union index of each of its labels
   * @param encoder its encoder ({@code encoder().id()}: fp32, int8, bge-small-int8, ...)
   * @param kind its teacher kind (head | finetune)
   */
  public record Teacher(String name, List<String> labels, int[] block, TeacherEncoder encoder, TeacherKind kind) implements java.io.Serializable {
    /** How tables and manifests name its encoder and kind: the encoder id, then the kind unless head ({@code fp32}, {@code fp32 finetune}). */
    public String precision() {
      return encoder.id() + (kind == TeacherKind.HEAD ? "" : " " + kind);
    }

    /** The key of its cache among the run's outputs. */
    public String scoreOutput() {
      return "score-" + name;
    }

    /** The key of its head among the run's outputs. */
    public String headOutput() {
      return "train-teacher-" + name;
    }
  }

  /** The teachers' names as the configuration makes them: the keys of {@code muka.teachers}, else t1 ... t{@code muka.defaultTeachers}. */
  public static List<String> names(DistillConfig c) {
    if (c.muka.teachers != null && !c.muka.teachers.isEmpty()) {
      return List.copyOf(c.muka.teachers.keySet());
    }
    List<String> out = new ArrayList<>();
    for (int k = 1; k <= c.muka.defaultTeachers; k++) {
      out.add("t" + k);
    }
    return out;
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
      TeacherEncoder encoder = TeacherEncoder.resolve(c, e.getKey(), c.muka.teacherEncoders.get(e.getKey()));
      String kind = c.muka.teacherKinds.get(e.getKey());
      out.add(new Teacher(e.getKey(), List.copyOf(e.getValue()), block, encoder, kind == null ? c.teacher.kind : MukaTeacherRules.kind("muka.teacherKinds." + e.getKey(), kind)));
    }
    return out;
  }

  /** The configuration of {@code teacher}'s train-teacher and score stages. */
  public static DistillConfig teacherConfig(DistillConfig c, Teacher teacher) {
    DistillConfig t = c.copy();
    t.teacher.labels = new ArrayList<>(teacher.labels());
    t.outputs.put("train-teacher", dir(c, teacher.headOutput()));
    t.outputs.put("score", dir(c, teacher.scoreOutput()));
    t.teacher.kind = teacher.kind();
    if (!teacher.encoder().isRunEncoder(c)) {
      teacher.encoder().applyTo(t.encoder);
      t.outputs.put("encode", dir(c, teacher.encoder().encodeOutput()));
    }
    return t;
  }

  /** {@code outputs.<key>}, else {@code <workDir>/<key>}. */
  static String dir(DistillConfig c, String key) {
    return c.outputs.getOrDefault(key, new Path(c.workDir, key).toString());
  }
}
