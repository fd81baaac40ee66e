package org.sparkdistill.evaluate;

import java.util.Locale;
import java.util.Map;

/** The evaluate stage's figures as a short Markdown report and as console lines. */
public final class EvaluationReport {
  private EvaluationReport() {}

  /** A Markdown table of teacher and student on the test split, with sizes, agreement and speed. */
  @SuppressWarnings("unchecked")
  public static String markdown(Map<String, Object> m) {
    Map<String, Object> student = (Map<String, Object>) m.get("student");
    Map<String, Object> teacher = (Map<String, Object>) m.get("teacher");
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "## Student (%s) vs teacher on the test split (%s labelled rows)%n%n", m.get("studentMode"), m.get("testRows")));
    out.append("| model | parameters | accuracy | macro-F1 | ECE |\n|---|---:|---:|---:|---:|\n");
    out.append(row("teacher", m.get("teacherParameters"), teacher));
    out.append(row("student (" + m.get("studentMode") + ")", m.get("studentParameters"), student));
    out.append('\n');
    if (m.get("studentToTeacherParameters") instanceof Number ratio) {
      out.append(String.format(Locale.ROOT, "- student / teacher parameters: %.3f%n", ratio.doubleValue()));
    }
    out.append(String.format(Locale.ROOT, "- agreement with the teacher's predictions: %.4f%n", ((Number) m.get("agreementWithTeacher")).doubleValue()));
    if (m.get("calibration") instanceof Map<?, ?> calibration) {
      out.append("- temperature scaling fitted on validation, test ECE before -> after:");
      for (String model : new String[] {"teacher", "student"}) {
        if (calibration.get(model) instanceof Map<?, ?> c && c.get("eceAfter") instanceof Number after) {
          out.append(
              String.format(
                  Locale.ROOT,
                  " %s T=%.3f, %.4f -> %.4f;",
                  model,
                  ((Number) c.get("temperature")).doubleValue(),
                  ((Number) c.get("eceBefore")).doubleValue(),
                  after.doubleValue()));
        }
      }
      out.setLength(out.length() - 1);
      out.append(String.format("%n"));
    }
    if (m.get("speed") instanceof Map<?, ?> speed) {
      out.append(
          String.format(
              Locale.ROOT,
              "- throughput: teacher %.1f rows/s, student %.1f rows/s: student %.1fx faster%n  (%s)%n",
              ((Number) speed.get("teacherRowsPerSecond")).doubleValue(),
              ((Number) speed.get("studentRowsPerSecond")).doubleValue(),
              ((Number) speed.get("speedup")).doubleValue(),
              speed.get("protocol")));
    }
    return out.toString();
  }

  private static String row(String name, Object parameters, Map<String, Object> metrics) {
    return String.format(
        Locale.ROOT,
        "| %s | %s | %.4f | %.4f | %.4f |%n",
        name,
        parameters instanceof Number p ? String.format(Locale.ROOT, "%,d", p.longValue()) : "n/a",
        ((Number) metrics.get("accuracy")).doubleValue(),
        ((Number) metrics.get("macroF1")).doubleValue(),
        ((Number) metrics.get("ece")).doubleValue());
  }
}
