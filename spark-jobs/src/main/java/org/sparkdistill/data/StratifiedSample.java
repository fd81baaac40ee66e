package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.row_number;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * The {@code data.maxRows} sample: exactly {@code maxRows} rows, stratified by label (each label
 * keeps its share of the rows, rounded by largest remainder), and within a label the rows first in
 * the order of {@code hash("sample", seed, id)}. Deterministic for a seed, whatever the
 * partitioning. Cost: a window per label over the rows, with Spark's per-partition top-k applied
 * before the shuffle.
 */
final class StratifiedSample {
  private static final String RANK = "_sample_rank";

  private StratifiedSample() {}

  /**
   * Samples {@code rows} (with a {@link RawColumns#LABEL} and {@link RawColumns#ID} column) down to
   * {@code maxRows}; returns them unchanged when {@code maxRows} is 0 or not below their count.
   */
  static Dataset<Row> apply(Dataset<Row> rows, Map<String, Long> rowsByLabel, long maxRows, long seed) {
    long total = rowsByLabel.values().stream().mapToLong(Long::longValue).sum();
    if (maxRows <= 0 || maxRows >= total) {
      return rows;
    }
    Map<String, Long> quotas = quotas(rowsByLabel, maxRows);
    List<Column> entries = new ArrayList<>();
    long largest = 0;
    for (Map.Entry<String, Long> quota : quotas.entrySet()) {
      entries.add(lit(quota.getKey()));
      entries.add(lit(quota.getValue()));
      largest = Math.max(largest, quota.getValue());
    }
    Column quota = element_at(map(entries.toArray(new Column[0])), col(RawColumns.LABEL));
    Column order = Hashing.hash("sample", seed, col(RawColumns.ID));
    return rows.withColumn(
            RANK, row_number().over(Window.partitionBy(RawColumns.LABEL).orderBy(order, col(RawColumns.ID))))
        .filter(col(RANK).leq(lit(largest))) // a constant bound lets Spark cut each partition early
        .filter(col(RANK).leq(quota))
        .drop(RANK);
  }

  /**
   * Rows per label summing to exactly {@code maxRows}: the floor of each label's share, plus one
   * for the labels with the largest remainders (ties: label name).
   */
  static Map<String, Long> quotas(Map<String, Long> rowsByLabel, long maxRows) {
    long total = rowsByLabel.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Long> quotas = new LinkedHashMap<>();
    List<Map.Entry<String, Long>> remainders = new ArrayList<>();
    long assigned = 0;
    for (Map.Entry<String, Long> entry : rowsByLabel.entrySet()) {
      // exact integer arithmetic: share = count * maxRows / total
      long scaled = Math.multiplyExact(entry.getValue(), maxRows);
      quotas.put(entry.getKey(), scaled / total);
      remainders.add(Map.entry(entry.getKey(), scaled % total));
      assigned += scaled / total;
    }
    remainders.sort(
        Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed().thenComparing(Map.Entry::getKey));
    for (int i = 0; assigned < maxRows; i++, assigned++) {
      quotas.merge(remainders.get(i).getKey(), 1L, Long::sum);
    }
    return quotas;
  }
}
