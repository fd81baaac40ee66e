package org.sparkdistill.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.sparkdistill.method.kd.KdReportSection;

/**
 * The report sections each distillation method adds, by {@code targets.method}. A new method
 * registers a function from the run's figures to its section here, next to its target builder.
 */
public final class MethodSections {
  private static final Map<String, Function<RunReport, ReportSection>> BY_METHOD = new LinkedHashMap<>();

  static {
    BY_METHOD.put("kd", KdReportSection::of);
    BY_METHOD.put("lelp", org.sparkdistill.method.lelp.LelpReportSection::of);
    BY_METHOD.put("muka", org.sparkdistill.method.muka.MukaReportSection::of);
  }

  private MethodSections() {}

  /** The sections of the run's method (none for a method that registered none). */
  public static List<ReportSection> of(RunReport run) {
    Function<RunReport, ReportSection> f = BY_METHOD.get(run.config().targets.method);
    return f == null ? List.of() : List.of(f.apply(run));
  }
}
