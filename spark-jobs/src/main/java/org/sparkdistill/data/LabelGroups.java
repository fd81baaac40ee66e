package org.sparkdistill.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.sparkdistill.config.DistillConfig;

/**
 * {@code data.labelGroups}: a few-class variant of a many-class source (e.g. the 20 Debian
 * sections grouped into 4 classes). The source is read and validated against the raw labels (the
 * union of the groups), then each row's label becomes its group's name, before deduplication, so
 * every later step sees only the classes of {@code data.labels}. Cost: one CASE expression per row.
 */
public final class LabelGroups {
  private LabelGroups() {}

  /** The rule violations of {@code groups} against the class list {@code labels} (empty: fine). */
  public static List<String> problems(List<String> labels, Map<String, List<String>> groups) {
    List<String> out = new ArrayList<>();
    if (!new LinkedHashSet<>(labels).equals(new LinkedHashSet<>(groups.keySet()))) {
      out.add("data.labelGroups must have one entry per class of data.labels " + labels + ", got groups for " + groups.keySet());
    }
    Map<String, String> owner = new HashMap<>();
    for (Map.Entry<String, List<String>> g : groups.entrySet()) {
      if (g.getValue() == null || g.getValue().isEmpty()) {
        out.add("data.labelGroups." + g.getKey() + " must list at least one raw label, got: " + g.getValue());
        continue;
      }
      for (String raw : g.getValue()) {
        String previous = owner.putIfAbsent(raw, g.getKey());
        if (previous != null) {
          out.add("data.labelGroups: raw label " + raw + " is in both " + previous + " and " + g.getKey() + "; put it in one group");
        }
      }
    }
    return out;
  }

  /** A source that reads with {@code read} under the raw labels and renames each label to its group. */
  static RawSource grouping(DistillConfig.DataSettings settings, Function<DistillConfig.DataSettings, RawSource> read) {
    List<String> problems = problems(settings.labels, settings.labelGroups);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    DistillConfig.DataSettings raw = new com.fasterxml.jackson.databind.ObjectMapper().convertValue(settings, DistillConfig.DataSettings.class);
    Set<String> rawLabels = new LinkedHashSet<>();
    settings.labelGroups.values().forEach(rawLabels::addAll);
    raw.labels = new ArrayList<>(rawLabels);
    raw.labelGroups = new java.util.LinkedHashMap<>();
    RawSource source = read.apply(raw);
    return () -> {
      RawData data = source.read();
      Column label = functions.col(RawColumns.LABEL);
      Column grouped = null;
      for (Map.Entry<String, List<String>> g : settings.labelGroups.entrySet()) {
        Column when = label.isin(g.getValue().toArray());
        grouped = grouped == null ? functions.when(when, g.getKey()) : grouped.when(when, g.getKey());
      }
      return new RawData(data.rows().withColumn(RawColumns.LABEL, grouped), data.count(), data.rejected(), data.rejectedCount());
    };
  }
}
