package org.sparkdistill.report;

import java.util.List;

/**
 * One section of the HTML run report: a title, a short text, tables and figures. This is the
 * extension point through which the evaluation, the learning curve and each distillation method
 * add their content ({@link ReportSections} assembles them); a method contributes a section
 * through its factory's {@code reportSection} ({@link MethodSections} asks the run's method). Sections hold finished numbers only (read from
 * {@code metrics.json} and manifests), so rendering needs no Spark job.
 */
public interface ReportSection {
  /** The heading, e.g. "Calibration". */
  String title();

  /** A sentence or two saying what the section shows and how to read it (plain text). */
  default String intro() {
    return "";
  }

  /** The numbers, shown beside the figures. */
  List<Table> tables();

  /** The plots, embedded in the page as PNG. */
  List<Figure> figures();

  /** A section from its parts. */
  static ReportSection of(String title, String intro, List<Table> tables, List<Figure> figures) {
    return new ReportSection() {
      @Override
      public String title() {
        return title;
      }

      @Override
      public String intro() {
        return intro;
      }

      @Override
      public List<Table> tables() {
        return tables;
      }

      @Override
      public List<Figure> figures() {
        return figures;
      }
    };
  }
}
