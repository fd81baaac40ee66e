package org.sparkdistill.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparkdistill.config.DistillConfig;

/**
 * What {@code prepare} refuses to publish: a dataset that leaves a split the chain reads empty
 * (train: teacher head and students; validation: early stopping and calibration; test:
 * evaluation), or a configured class without labelled training rows. Checked on the counts of
 * {@link PrepareReport} before anything is written, so an empty or one-line file fails here, with
 * the counts, instead of two stages later.
 */
public final class SplitRequirements {
  /** Splits some configured stage reads. The transfer split may be empty (KD then uses train alone). */
  static final List<String> REQUIRED = List.of("train", "validation", "test");

  private SplitRequirements() {}

  /**
   * @throws IllegalArgumentException naming the empty split or class, the counts and the fix
   */
  public static void require(PrepareReport report, DistillConfig.DataSettings data) {
    String source = "data.path " + data.path + " (data.format: " + data.format + ")";
    if (report.rawRows() == 0) {
      throw new IllegalArgumentException(source + " has no data rows (an empty file, or only a header): nothing to prepare; point data.path at the dataset");
    }
    List<String> empty = new ArrayList<>();
    for (String split : REQUIRED) {
      if (report.rowsBySplit().getOrDefault(split, 0L) == 0) {
        empty.add(split);
      }
    }
    if (!empty.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              java.util.Locale.ROOT,
              "%s: the %s split%s would be empty (rows per split: %s, from %d rows, %d kept); train, validation and test all need rows: use more data, or change data.split.testFraction (%s), validationFraction (%s) or labelledPerClass (%d)",
              source,
              String.join(" and ", empty),
              empty.size() > 1 ? "s" : "",
              counts(report.rowsBySplit()),
              report.rawRows(),
              report.keptRows(),
              data.split.testFraction,
              data.split.validationFraction,
              data.split.labelledPerClass));
    }
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Long> e : report.labelledRowsByLabel().entrySet()) {
      if (e.getValue() == 0) {
        missing.add("\"" + e.getKey() + "\"");
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          String.format(
              java.util.Locale.ROOT,
              "%s: class%s %s of data.labels ha%s no labelled training rows (labelled train rows per class: %s); add examples of %s or remove %s from data.labels",
              source,
              missing.size() > 1 ? "es" : "",
              String.join(", ", missing),
              missing.size() > 1 ? "ve" : "s",
              counts(report.labelledRowsByLabel()),
              missing.size() > 1 ? "them" : "it",
              missing.size() > 1 ? "them" : "it"));
    }
  }

  private static String counts(Map<String, Long> counts) {
    List<String> out = new ArrayList<>();
    counts.forEach((k, v) -> out.add(k + " " + v));
    return String.join(", ", out);
  }
}
