package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkdistill.config.DistillConfig;

/**
 * The rules for label subsets ({@code teacher.labels}, {@code muka.teachers}): every label one of
 * {@code data.labels}, none repeated, and in the union's order, so a teacher's logit block maps
 * onto the union label map without reordering. Checked by {@code ConfigLoader} before any stage.
 */
public final class LabelSubsets {
  private LabelSubsets() {}

  /**
   * The broken rule of {@code subset} against the union order {@code union}, or null.
   *
   * @param key the setting, for the message ({@code muka.teachers.t1})
   */
  public static String error(String key, List<String> subset, List<String> union) {
    if (subset == null || subset.isEmpty()) {
      return key + " must list at least one label of data.labels, got: " + subset;
    }
    Set<String> seen = new HashSet<>();
    int last = -1;
    for (String label : subset) {
      int at = union.indexOf(label);
      if (at < 0) {
        return key + " must list labels of data.labels " + union + ", got '" + label + "' in " + subset;
      }
      if (!seen.add(label)) {
        return key + " must not repeat a label, got '" + label + "' twice in " + subset;
      }
      if (at < last) {
        return key + " must follow the order of data.labels (the union label map), got '" + label + "' after '" + union.get(last)
            + "' in " + subset + ": reorder it as " + inUnionOrder(subset, union);
      }
      last = at;
    }
    return null;
  }

  private static List<String> inUnionOrder(List<String> subset, List<String> union) {
    return union.stream().filter(subset::contains).toList();
  }

  /** Every broken rule of {@code teacher.labels} and {@code muka.*} in {@code c}. */
  public static List<String> configErrors(DistillConfig c) {
    List<String> errors = new ArrayList<>();
    if (c.data == null || c.data.labels == null || c.data.labels.isEmpty()) {
      return errors; // reported by the data.labels rule
    }
    List<String> union = c.data.labels;
    if (c.teacher != null && c.teacher.labels != null && !c.teacher.labels.isEmpty()) {
      String e = error("teacher.labels", c.teacher.labels, union);
      if (e != null) {
        errors.add(e);
      }
    }
    DistillConfig.MukaSettings m = c.muka;
    if (m == null) {
      return errors;
    }
    if (m.teachers != null && !m.teachers.isEmpty()) {
      if (m.teachers.size() < 2) {
        errors.add("muka.teachers must name two or more teachers (the margin weight compares the two most certain), got: " + m.teachers.keySet());
      }
      Set<String> covered = new HashSet<>();
      for (Map.Entry<String, List<String>> t : m.teachers.entrySet()) {
        if (t.getKey() == null || !t.getKey().matches("[A-Za-z0-9_-]+")) {
          errors.add("muka.teachers names must be letters, digits, '-' or '_' (they name output directories), got: '" + t.getKey() + "'");
        }
        String e = error("muka.teachers." + t.getKey(), t.getValue(), union);
        if (e != null) {
          errors.add(e);
        } else {
          covered.addAll(t.getValue());
        }
      }
      List<String> uncovered = union.stream().filter(l -> !covered.contains(l)).toList();
      if (errors.isEmpty() && !uncovered.isEmpty()) {
        errors.add("muka.teachers must together cover data.labels (the student predicts the union), labels no teacher knows: " + uncovered);
      }
    } else if (m.defaultTeachers < 2 || m.defaultTeachers > union.size()) {
      errors.add("muka.defaultTeachers must be between 2 and the " + union.size() + " labels of data.labels, got: " + m.defaultTeachers);
    }
    List<String> known = List.of("muka", "muka-hard", "no-mc", "concat-kd", "uhc", "upper");
    if (m.students == null || m.students.isEmpty() || !known.containsAll(m.students)) {
      errors.add("muka.students must list one or more of " + known + ", got: " + m.students);
    }
    if (errors.isEmpty()) {
      errors.addAll(MukaTeacherRules.errors(c)); // per-teacher kinds and encoders (needs valid teacher names)
    }
    check(errors, "muka.variant", m.variant, MukaMethod.VARIANTS);
    check(errors, "muka.uncertainty", m.uncertainty, List.of(MukaMethod.MC, MukaMethod.NO_MC));
    check(errors, "muka.selection", m.selection, List.of("soft", "hard"));
    return errors;
  }

  private static void check(List<String> errors, String key, String value, List<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      errors.add(key + " must be one of " + allowed + ", got: " + value);
    }
  }
}
