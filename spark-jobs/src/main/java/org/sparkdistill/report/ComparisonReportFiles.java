package org.sparkdistill.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.sparkdistill.io.StageOutput;
import org.sparkdistill.stage.StageWrite;

/**
 * The three files of a method comparison's report stage ({@code muka-report}, {@code
 * pmd-report}), written into the stage's run directory and so published with its manifest:
 * {@value #RESULTS} (the machine-readable results, indented JSON), {@value #TABLE} (the table the
 * command prints) and {@value HtmlReports#FILE_NAME} (the page). The stage's metrics name the page
 * ({@code report}) and the results ({@code results}).
 */
public final class ComparisonReportFiles {
  /** The results' file name. */
  public static final String RESULTS = "comparison.json";
  /** The printed table's file name. */
  public static final String TABLE = "comparison.md";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ComparisonReportFiles() {}

  /**
   * Writes the three files and returns the stage's write (no rows).
   *
   * @param results serialised with Jackson
   * @param what names the comparison in an error ("the PMD report")
   */
  public static StageWrite write(StageOutput output, Path runDir, Object results, String table, String html, String what) {
    try {
      try (OutputStream out = output.create(runDir, RESULTS)) {
        JSON.writeValue(out, results);
      }
      try (OutputStream out = output.create(runDir, TABLE)) {
        out.write(table.getBytes(StandardCharsets.UTF_8));
      }
      try (OutputStream out = output.create(runDir, HtmlReports.FILE_NAME)) {
        out.write(html.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + what + " under " + runDir, e);
    }
    StageWrite written = StageWrite.of(Map.of(), 0);
    written.metrics().put("report", new Path(runDir, HtmlReports.FILE_NAME).toString());
    written.metrics().put("results", new Path(runDir, RESULTS).toString());
    return written;
  }
}
