package org.sparkdistill.data;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.config.NearDuplicatePolicy;

/**
 * Merges groups whose rows are near duplicates, so that the split (which keeps a group together)
 * also keeps near duplicates together: two rows are linked when their normalised first paragraph
 * is longer than {@code data.split.nearDuplicateMinChars} characters and equal; groups linked
 * through any chain of such rows become one group, named by its smallest member (so the rows of
 * that member keep their split and the others join it).
 *
 * <p>The first paragraph is the text up to its first blank line; for {@code debian-jsonl} that of
 * the long description (the text after the first line, the short description), because a program
 * and its {@code -data} or {@code -doc} package (different source packages) repeat the program's
 * first paragraph under different short descriptions. Normalisation: lowercase, every run of
 * characters other than letters and digits becomes one space, ends trimmed.
 *
 * <p>Cost: one job collects the distinct (group, SHA-256 of the key) pairs of the rows that have
 * a key to the driver (about 100 bytes per row), a union-find there (near-linear), and a
 * broadcast join of the renamed groups. For datasets beyond tens of millions of rows, this
 * driver-side step would have to become a distributed connected-components job.
 */
final class NearDuplicateGroups {

  private static final String KEY = "_ndg_key";
  private static final String FROM = "_ndg_from";
  private static final String TO = "_ndg_to";

  private NearDuplicateGroups() {}

  /** The normalised first paragraph (not hashed, not length-filtered) of rows read in {@code format}. */
  static Column normalisedFirstParagraph(org.sparkdistill.config.DataFormat format) {
    Column text = col(RawColumns.TEXT);
    if (format == org.sparkdistill.config.DataFormat.DEBIAN_JSONL) {
      text = regexp_replace(text, "^[^\\n]*\\n", "");
    }
    Column paragraph = regexp_extract(text, "(?s)^\\s*(.*?)(?:\\n[ \\t\\r\\f]*\\n|$)", 1);
    return trim(regexp_replace(lower(paragraph), "[^\\p{L}\\p{N}]+", " "));
  }

  /** SHA-256 of the normalised first paragraph when longer than {@code minChars}, else null. */
  static Column key(org.sparkdistill.config.DataFormat format, int minChars) {
    Column normalised = normalisedFirstParagraph(format);
    return when(length(normalised).gt(lit(minChars)), sha2(normalised, 256));
  }

  /**
   * {@code rows} (with {@link RawColumns#GROUP} and {@link RawColumns#TEXT}) with each group
   * replaced by its near-duplicate component's name; unchanged for {@code nearDuplicates: none}.
   * Runs the collecting job described above; the result is lazy.
   */
  static Grouped apply(Dataset<Row> rows, org.sparkdistill.config.DataFormat format, DistillConfig.SplitSettings split) {
    if (split.nearDuplicates == NearDuplicatePolicy.NONE) {
      return new Grouped(rows, 0);
    }
    SparkSession spark = rows.sparkSession();
    List<Row> pairs =
        rows.select(col(RawColumns.GROUP), key(format, split.nearDuplicateMinChars).as(KEY))
            .filter(col(KEY).isNotNull())
            .distinct()
            .collectAsList();
    Map<String, String> renamed = components(pairs);
    StructType schema =
        new StructType().add(FROM, DataTypes.StringType, false).add(TO, DataTypes.StringType, false);
    List<Row> mapping = new ArrayList<>(renamed.size());
    renamed.forEach((from, to) -> mapping.add(RowFactory.create(from, to)));
    Dataset<Row> table = spark.createDataFrame(mapping, schema);
    List<String> columns = List.of(rows.columns());
    Column[] out = new Column[columns.size()];
    for (int i = 0; i < out.length; i++) {
      String name = columns.get(i);
      out[i] = name.equals(RawColumns.GROUP) ? coalesce(col(TO), col(RawColumns.GROUP)).as(RawColumns.GROUP) : col(name);
    }
    return new Grouped(rows.join(broadcast(table), col(RawColumns.GROUP).equalTo(col(FROM)), "left_outer").select(out), renamed.size());
  }

  /**
   * @param rows the rows with merged groups (lazy)
   * @param groupsMerged groups renamed into another group's name
   */
  record Grouped(Dataset<Row> rows, long groupsMerged) {}

  /**
   * Union-find over (group, key) pairs: groups sharing a key, transitively, form a component.
   *
   * @return the groups to rename, each to the smallest group name of its component (groups that
   *     are their component's smallest, or alone, are absent)
   */
  static Map<String, String> components(List<Row> groupKeyPairs) {
    Map<String, String> parent = new HashMap<>();
    Map<String, String> groupOfKey = new HashMap<>();
    for (Row pair : groupKeyPairs) {
      String group = pair.getString(0);
      String key = pair.getString(1);
      parent.putIfAbsent(group, group);
      String other = groupOfKey.putIfAbsent(key, group);
      if (other != null) {
        union(parent, group, other);
      }
    }
    Map<String, String> renamed = new HashMap<>();
    for (String group : parent.keySet()) {
      String root = find(parent, group);
      if (!root.equals(group)) {
        renamed.put(group, root);
      }
    }
    return renamed;
  }

  private static String find(Map<String, String> parent, String node) {
    String root = node;
    while (!parent.get(root).equals(root)) {
      root = parent.get(root);
    }
    while (!parent.get(node).equals(root)) { // path compression
      String next = parent.get(node);
      parent.put(node, root);
      node = next;
    }
    return root;
  }

  /** Links two components under the smaller name, so every root is its component's minimum. */
  private static void union(Map<String, String> parent, String a, String b) {
    String ra = find(parent, a);
    String rb = find(parent, b);
    if (ra.equals(rb)) {
      return;
    }
    if (ra.compareTo(rb) < 0) {
      parent.put(rb, ra);
    } else {
      parent.put(ra, rb);
    }
  }
}
