package org.sparkdistill.report;

import java.util.List;
import org.sparkdistill.method.DistillationMethod;
import org.sparkdistill.method.DistillationMethods;

/**
 * The report section of the run's distillation method: its {@link
 * DistillationMethod.Factory#reportSection} (a method registers one next to its target builder, so
 * the report names no method).
 */
public final class MethodSections {
  private MethodSections() {}

  /** The sections of the run's method (none for a method that registered none). */
  public static List<ReportSection> of(RunReport run) {
    DistillationMethod.Factory factory = DistillationMethods.factories().get(run.config().targets.method);
    return factory == null ? List.of() : factory.reportSection(run).stream().toList();
  }
}
