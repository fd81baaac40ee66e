package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparkdistill.config.ConfigEnums;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.TeacherKind;
import org.sparkdistill.teacher.finetune.FineTuneTeacher;

/**
 * The rules of the per-teacher settings {@code muka.teacherKinds} and {@code
 * muka.teacherEncoders}: every key a teacher of the run ({@link MukaTeachers#names}), every kind
 * head or finetune, every encoder one {@link TeacherEncoder} knows, and a fine-tuned teacher on the
 * fp32 MiniLM file that its weights are imported from ({@link FineTuneTeacher#validate}). Checked by
 * {@code ConfigLoader} (through {@link LabelSubsets#configErrors}) before any stage runs.
 */
public final class MukaTeacherRules {
  /** The kinds a MUKA teacher may have (a TorchScript teacher is one file per run: {@code teacher.torchscript}). */
  static final List<TeacherKind> KINDS = List.of(TeacherKind.HEAD, TeacherKind.FINETUNE);

  private MukaTeacherRules() {}

  /** The kind {@code value} names; one-line error naming {@code key} otherwise. */
  public static TeacherKind kind(String key, String value) {
    TeacherKind k = ConfigEnums.parse(TeacherKind.class, key, value);
    if (!KINDS.contains(k)) {
      throw new IllegalArgumentException(key + " must be one of " + KINDS + " (a torchscript teacher is one model per run, teacher.torchscript), got: '" + value + "'");
    }
    return k;
  }

  /** Every broken rule of the per-teacher settings of {@code c}. */
  static List<String> errors(DistillConfig c) {
    List<String> errors = new ArrayList<>();
    DistillConfig.MukaSettings m = c.muka;
    List<String> names = MukaTeachers.names(c);
    Map<String, Map<String, String>> perTeacher = new java.util.LinkedHashMap<>();
    perTeacher.put("muka.teacherKinds", nonNull(m.teacherKinds));
    perTeacher.put("muka.teacherEncoders", nonNull(m.teacherEncoders));
    for (Map.Entry<String, Map<String, String>> setting : perTeacher.entrySet()) {
      for (String teacher : setting.getValue().keySet()) {
        if (!names.contains(teacher)) {
          errors.add(setting.getKey() + " names teacher '" + teacher + "', which is not one of the run's teachers " + names
              + " (muka.teachers, or t1..tN of muka.defaultTeachers): rename or remove the entry");
        }
      }
    }
    for (Map.Entry<String, String> e : nonNull(m.teacherEncoders).entrySet()) {
      String error = TeacherEncoder.syntaxError("muka.teacherEncoders." + e.getKey(), e.getValue());
      if (error != null) {
        errors.add(error);
      }
    }
    for (Map.Entry<String, String> e : nonNull(m.teacherKinds).entrySet()) {
      String key = "muka.teacherKinds." + e.getKey();
      TeacherKind kind;
      try {
        kind = kind(key, e.getValue());
      } catch (IllegalArgumentException bad) {
        errors.add(bad.getMessage());
        continue;
      }
      if (kind != TeacherKind.FINETUNE || c.teacher.kind == TeacherKind.FINETUNE) {
        continue; // a run-wide finetune kind is checked by ConfigLoader itself
      }
      String encoder = nonNull(m.teacherEncoders).get(e.getKey());
      if (encoder != null && !encoder.trim().equalsIgnoreCase("fp32")) {
        errors.add(key + " is finetune, which imports the fp32 MiniLM weights of encoder.model: muka.teacherEncoders." + e.getKey()
            + " must be fp32 or absent, got: '" + encoder + "'");
        continue;
      }
      DistillConfig t = c.copy();
      t.encoder.precision = "fp32";
      List<String> fine = new ArrayList<>();
      FineTuneTeacher.validate(t, fine);
      for (String f : fine) {
        errors.add(key + " is finetune: " + f);
      }
    }
    return errors;
  }

  private static Map<String, String> nonNull(Map<String, String> m) {
    return m == null ? Map.of() : m;
  }
}
