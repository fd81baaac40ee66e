package org.sparkdistill.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sparkdistill.io.Manifest;
import org.sparkdistill.stage.Stage;

/**
 * Per-stage wall time and throughput, read from the stages' published manifests (the {@code
 * seconds} figure each stage records and its row count from the Parquet footers): no Spark job. A
 * stage skipped in this run shows the time of the run that made its output.
 */
public final class StageTimes {
  private StageTimes() {}

  /**
   * One stage.
   *
   * @param output the output's directory name (e.g. {@code student-kd}), which tells modes apart
   * @param rows rows written (0 for a model or a report)
   * @param createdAt when the output was published
   * @param invalidRows rows left out for the quarantine ({@code prepare} with {@code
   *     data.onInvalid: skip}); 0 elsewhere
   */
  public record Entry(String stage, String output, double seconds, long rows, String createdAt, long invalidRows) {
    public Entry(String stage, String output, double seconds, long rows, String createdAt) {
      this(stage, output, seconds, rows, createdAt, 0);
    }

    /** Rows per second, or NaN without rows or time. */
    public double rowsPerSecond() {
      return rows > 0 && seconds > 0 ? rows / seconds : Double.NaN;
    }
  }

  /** The entries of the finished stages among {@code stages}, in order; unfinished ones are left out. */
  public static List<Entry> of(List<Stage> stages) {
    List<Entry> out = new ArrayList<>();
    for (Stage s : stages) {
      Optional<Manifest> m = s.output().manifest();
      if (m.isEmpty()) {
        continue;
      }
      Object seconds = m.get().metrics() == null ? null : m.get().metrics().get("seconds");
      Object invalid = m.get().metrics() == null ? null : m.get().metrics().get("invalidRows");
      boolean tabular = m.get().files().stream().anyMatch(f -> f.endsWith(".parquet"));
      out.add(
          new Entry(
              s.name(),
              s.output().dir().getName(),
              seconds instanceof Number n ? n.doubleValue() : Double.NaN,
              tabular ? m.get().rowCount() : 0,
              m.get().createdAt(),
              invalid instanceof Number n ? n.longValue() : 0));
    }
    return out;
  }
}
