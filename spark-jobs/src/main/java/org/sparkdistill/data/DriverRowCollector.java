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
import org.sparkdistill.config.InvalidRowPolicy;
import org.sparkdistill.udfs.schema.CacheSchemas;

/**
 * Collects the rows of a source parsed on the driver and checks each as it comes: non-blank id,
 * group and text, a label from the configured set, and (at the end) unique ids. Errors name the
 * file, the place in it ({@code line 12}, {@code element 7}), the row id and the bad value.
 *
 * <p>With {@code data.onInvalid: skip} a source catches each row's {@link InvalidRowException}
 * and hands it to {@link #reject}, and {@link #finish} moves every occurrence of a repeated id to
 * the quarantine too (which of them is right cannot be told).
 *
 * <p>Holds every row in driver memory: meant for files of up to a few hundred MB.
 */
final class DriverRowCollector {
  private static final int MAX_LOCATIONS = 5;
  /** Rows are sliced so that each task carries about this many bytes of text from the driver. */
  private static final long SLICE_BYTES = 512 * 1024;

  private final String file;
  private final InvalidRowPolicy policy;
  private final List<String> labels;
  private final List<Row> rejected = new ArrayList<>();
  private final Set<String> labelSet;
  private final List<Row> rows = new ArrayList<>();
  private final Map<String, String> firstLocation = new HashMap<>();
  /** Ids seen more than once, in order of their first repeat, with the places they occur. */
  private final Map<String, List<String>> repeated = new LinkedHashMap<>();

  private final Map<String, Integer> repeatCounts = new HashMap<>();
  /** The place in the file of each kept row, parallel to {@code rows}. */
  private final List<String> locations = new ArrayList<>();
  private long chars;

  DriverRowCollector(String file, List<String> labels, InvalidRowPolicy policy) {
    this.file = file;
    this.policy = policy;
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
    locations.add(where);
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
    Dataset<Row> quarantine = rejected.isEmpty() ? null : spark.createDataFrame(rejected, CacheSchemas.quarantine());
    return new RawData(dataset, checked.size(), quarantine, rejected.size());
  }

  /**
   * A row that broke a rule: thrown again with {@code onInvalid: fail}, kept in the quarantine
   * with its reason and {@code raw} content (the line or element as read) with {@code skip}.
   */
  void reject(InvalidRowException problem, String raw) {
    if (policy == InvalidRowPolicy.FAIL) {
      throw problem;
    }
    rejected.add(RowFactory.create(problem.file(), problem.location(), problem.id(), problem.reason(), raw));
  }

  private List<Row> checkedRows() {
    if (repeated.isEmpty()) {
      return rows;
    }
    if (policy == InvalidRowPolicy.SKIP) {
      List<Row> kept = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        Row row = rows.get(i);
        String id = row.getString(0);
        if (repeated.containsKey(id)) {
          String raw = "{\"id\": " + quote(id) + ", \"label\": " + quote(row.getString(1)) + ", \"group\": " + quote(row.getString(2)) + ", \"text\": " + quote(row.getString(3)) + "}";
          rejected.add(RowFactory.create(file, locations.get(i), id, "id appears " + repeatCounts.get(id) + " times; ids must be unique", raw));
        } else {
          kept.add(row);
        }
      }
      return kept;
    }
    Map.Entry<String, List<String>> first = repeated.entrySet().iterator().next();
    int count = repeatCounts.get(first.getKey());
    String more = repeated.size() > 1 ? "; " + (repeated.size() - 1) + " more ids are repeated" : "";
    throw new IllegalArgumentException(
        file + ": id \"" + first.getKey() + "\" appears " + count + " times (" + String.join(", ", first.getValue())
            + (count > first.getValue().size() ? ", ..." : "") + "); ids must be unique" + more);
  }

  private static String quote(String value) {
    return value == null ? "null" : "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(value)) + "\"";
  }


  /** An error at {@code where} in the file, naming the row id when known. */
  InvalidRowException error(String where, String id, String problem) {
    return new InvalidRowException(file, where, id, problem);
  }

  static String shorten(String text) {
    String flat = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
    return flat.length() <= 60 ? flat : flat.substring(0, 57) + "...";
  }
}
