package org.sparkdistill.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.io.StageOutput;

/** Writes a run's HTML report ({@code report.html}) into a stage's run directory. */
public final class HtmlReports {
  /** The page's file name inside an output. */
  public static final String FILE_NAME = "report.html";

  private HtmlReports() {}

  /** The page for {@code run}, as a string. */
  public static String render(String title, RunReport run) {
    String subtitle =
        String.format(
            java.util.Locale.ROOT,
            "%s (%s), %d classes, work directory %s",
            run.config().data.path,
            run.config().data.format,
            run.config().data.labels.size(),
            run.config().workDir);
    return HtmlReport.render(title, subtitle, ReportSections.facts(run), ReportSections.all(run));
  }

  /** Renders the page and writes it as {@code runDir/report.html}. */
  public static void write(StageOutput output, Path runDir, String title, RunReport run) {
    String html = render(title, run);
    try (OutputStream out = output.create(runDir, FILE_NAME)) {
      out.write(html.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + FILE_NAME + " under " + runDir, e);
    }
  }
}
