package org.sparkdistill.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Collects the rows of a source parsed on the driver and checks each as it comes: non-blank id,
 * group and text, a label from the configured set, and (at the end) unique ids. Errors name the
 * file, the place in it ({@code line 12}, {@code element 7}), the row id and the bad value.
 *
 * <p>Holds every row in driver memory: meant for files of up to a few hundred MB.
 */
final class DriverRowCollector {
  private static final int MAX_LOCATIONS = 5;
  /** Rows are sliced so that each task carries about this many bytes of text from the driver. */
  private static final long SLICE_BYTES = 512 * 1024;

  private final String file;
  private final List<String> labels;
  private final Set<String> labelSet;
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, String> firstLocation = new HashMap<>();
  /** Ids seen more than once, in order of their first repeat, with the places they occur. */
  private final Map<String, List<String>> repeated = new LinkedHashMap<>();

  private final Map<String, Integer> repeatCounts = new HashMap<>();
  private long chars;

  DriverRowCollector(String file, List<String> labels) {
    this.file = file;
    this.labels = List.copyOf(labels);
    this.labelSet = new LinkedHashSet<>(labels);
  }

  /** Checks and keeps one row; {@code where} is its place in the file, e.g. {@code line 12}. */
  void add(String where, String id, String label, String group, String text) {
    if (id == null || id.isBlank()) {
      throw error(where, null, "id is blank (\"" + id + "\"); every example needs a non-blank id");
    }
    if (text == null || text.isBlank()) {
      throw error(where, id, "text is " + (text == null ? "null" : "blank (\"" + shorten(text) + "\")")
          + "; every example needs a non-blank text");
    }
    if (group == null || group.isBlank()) {
      throw error(where, id, "group is blank (\"" + group + "\"); every example needs a group");
    }
    if (!labelSet.contains(label)) {
      throw error(where, id, "label \"" + label + "\" is not in data.labels " + labels);
    }
    String first = firstLocation.putIfAbsent(id, where);
    if (first != null) {
      List<String> places = repeated.computeIfAbsent(id, k -> new ArrayList<>(List.of(first)));
      if (places.size() < MAX_LOCATIONS) {
        places.add(where);
      }
      repeatCounts.merge(id, 2, (a, b) -> a + 1);
    }
    rows.add(RowFactory.create(id, label, group, text));
    chars += id.length() + label.length() + group.length() + text.length();
  }

  /**
   * The collected rows as a Dataset of {@link RawColumns#schema()}, sliced so no task carries much
   * more than 512 KiB of text.
   *
   * @throws IllegalArgumentException when an id occurs more than once, naming it, its count and
   *     places
   */
  RawData finish(SparkSession spark) {
    List<Row> checked = checkedRows();
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int slices = (int) Math.max(context.defaultParallelism(), Math.min(100_000, 2 * chars / SLICE_BYTES + 1));
    Dataset<Row> dataset = spark.createDataFrame(context.parallelize(checked, slices), RawColumns.schema());
    return new RawData(dataset, checked.size());
  }

  private List<Row> checkedRows() {
    if (!repeated.isEmpty()) {
      Map.Entry<String, List<String>> first = repeated.entrySet().iterator().next();
      int count = repeatCounts.get(first.getKey());
      String more = repeated.size() > 1 ? "; " + (repeated.size() - 1) + " more ids are repeated" : "";
      throw new IllegalArgumentException(
          file + ": id \"" + first.getKey() + "\" appears " + count + " times (" + String.join(", ", first.getValue())
              + (count > first.getValue().size() ? ", ..." : "") + "); ids must be unique" + more);
    }
    return rows;
  }

  /** An error at {@code where} in the file, naming the row id when known. */
  IllegalArgumentException error(String where, String id, String problem) {
    return new IllegalArgumentException(
        file + ", " + where + (id == null ? "" : " (id \"" + id + "\")") + ": " + problem);
  }

  static String shorten(String text) {
    String flat = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
    return flat.length() <= 60 ? flat : flat.substring(0, 57) + "...";
  }
}
