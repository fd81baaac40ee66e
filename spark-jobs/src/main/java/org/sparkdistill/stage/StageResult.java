package org.sparkdistill.stage;

import java.util.Locale;
import java.util.Map;
import org.sparkdistill.io.Manifest;

/**
 * What a stage run did.
 *
 * @param skipped true when a finished output with the same plan was reused
 * @param seconds wall time of this run (0 when skipped)
 */
public record StageResult(String stage, String path, boolean skipped, double seconds, Manifest manifest) {

  /** One line of figures for the console. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-14s %s", stage, skipped ? "skipped (up to date)" : String.format(Locale.ROOT, "done in %.1f s", seconds)));
    boolean tabular = manifest.files().stream().anyMatch(f -> f.endsWith(".parquet"));
    if (tabular) {
      out.append(String.format(Locale.ROOT, "  rows=%d", manifest.rowCount()));
    }
    if (tabular && !skipped && seconds > 0 && manifest.rowCount() > 0) {
      out.append(String.format(Locale.ROOT, " (%.1f rows/s)", manifest.rowCount() / seconds));
    }
    if (manifest.splitCounts() != null && !manifest.splitCounts().isEmpty()) {
      out.append("  splits=").append(manifest.splitCounts());
    }
    if (manifest.truncatedCount() > 0) {
      out.append("  truncated=").append(manifest.truncatedCount());
    }
    if (manifest.metrics() != null) {
      for (Map.Entry<String, Object> e : manifest.metrics().entrySet()) {
        Object v = e.getValue();
        if ((v instanceof Number || v instanceof String) && !e.getKey().equals("seconds")) {
          out.append("  ").append(e.getKey()).append('=').append(format(v));
        }
      }
    }
    out.append("  -> ").append(path);
    return out.toString();
  }

  private static String format(Object v) {
    if (v instanceof Double || v instanceof Float) {
      return String.format(Locale.ROOT, "%.4f", ((Number) v).doubleValue());
    }
    return String.valueOf(v);
  }
}
