package org.sparkdistill.method.muka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MUKA comparison's machine-readable results ({@code comparison.json} of the {@code
 * muka-report} output), the form the run report reads. Plain JSON: a value that does not apply or
 * was not measured (e.g. the selection accuracy of concat-KD) is {@code null}, never NaN.
 *
 * <pre>{@code
 * { "seeds": [1, 2, 3], "studentRows": 8640, "validationLabels": 1276, "encodeSeconds": {"encode": 1994.0}, "mcPasses": 16,
 *   "variants": [ {"name": "muka", "description": "MUKA (MC, soft, re-weighted)", "selects": true}, ... ],
 *   "teachers": [ {"name": "t1", "labels": ["net", ...], "precision": "fp32"}, ... ],
 *   "cells":    [ {"seed": 1, "variant": "muka", "testAccuracy": 0.72, "testMacroF1": 0.65,
 *                  "validationAccuracy": 0.69, "selectionAccuracy": 0.86}, ... ],
 *   "seedTeachers": [ {"seed": 1, "unionTeacher": 0.78, "withinSubset": {"t1": 0.83, ...},
 *                      "meanMutualInformation": {"t1": 0.014, ...},
 *                      "scoreSeconds": {"t1": {"mc": 23.1, "onePass": 17.0}, ...}}, ... ] }
 * }</pre>
 */
public final class MukaResults {
  private MukaResults() {}

  /** The comparison's results as plain JSON values. */
  public static Map<String, Object> toJson(MukaComparison.Result result, List<Long> seeds, int mcPasses) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("seeds", List.copyOf(seeds));
    out.put("studentRows", result.studentRows());
    out.put("validationLabels", result.validationLabels());
    Map<String, Object> encodes = new LinkedHashMap<>();
    result.encodeSeconds().forEach((name, seconds) -> encodes.put(name, value(seconds)));
    out.put("encodeSeconds", encodes);
    out.put("mcPasses", mcPasses);
    List<Map<String, Object>> variants = new ArrayList<>();
    for (MukaComparison.Variant v : MukaComparison.VARIANTS) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", v.name());
      m.put("description", v.description());
      m.put("selects", v.selects());
      variants.add(m);
    }
    out.put("variants", variants);
    List<Map<String, Object>> teachers = new ArrayList<>();
    for (MukaTeachers.Teacher t : result.teacherList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("labels", t.labels());
      m.put("precision", t.precision());
      m.put("encoder", t.encoder().id());
      m.put("kind", t.kind().toString());
      teachers.add(m);
    }
    out.put("teachers", teachers);
    List<Map<String, Object>> cells = new ArrayList<>();
    for (MukaComparison.Cell c : result.cells()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seed", c.seed());
      m.put("variant", c.variant());
      m.put("testAccuracy", value(c.testAccuracy()));
      m.put("testMacroF1", value(c.testMacroF1()));
      m.put("validationAccuracy", value(c.validationAccuracy()));
      m.put("selectionAccuracy", value(c.selectionAccuracy()));
      cells.add(m);
    }
    out.put("cells", cells);
    List<Map<String, Object>> seedTeachers = new ArrayList<>();
    for (MukaComparison.SeedTeachers s : result.teachers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seed", s.seed());
      m.put("unionTeacher", value(s.unionTeacher()));
      m.put("withinSubset", values(s.withinSubset()));
      m.put("meanMutualInformation", values(s.mutualInformation()));
      Map<String, Object> cost = new LinkedHashMap<>();
      for (Map.Entry<String, double[]> e : s.scoreSeconds().entrySet()) {
        Map<String, Object> pair = new LinkedHashMap<>();
        pair.put("mc", value(e.getValue()[0]));
        pair.put("onePass", value(e.getValue()[1]));
        cost.put(e.getKey(), pair);
      }
      m.put("scoreSeconds", cost);
      seedTeachers.add(m);
    }
    out.put("seedTeachers", seedTeachers);
    return out;
  }

  private static Object value(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static Map<String, Object> values(Map<String, Double> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (m != null) {
      m.forEach((k, v) -> out.put(k, v == null ? null : value(v)));
    }
    return out;
  }
}
