package org.sparkdistill.stage;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a stage's write step reports, counted from the data it wrote.
 *
 * @param splitCounts rows per split
 * @param truncatedCount rows whose text was truncated
 * @param metrics further figures for the manifest and the console
 */
public record StageWrite(SortedMap<String, Long> splitCounts, long truncatedCount, Map<String, Object> metrics) {
  public static StageWrite of(Map<String, Long> splitCounts, long truncatedCount) {
    return new StageWrite(new TreeMap<>(splitCounts), truncatedCount, new LinkedHashMap<>());
  }

  public StageWrite metric(String name, Object value) {
    metrics.put(name, value);
    return this;
  }
}
