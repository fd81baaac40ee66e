package org.sparkdistill.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Keeps one row per {@link DedupKey}: the one with the smallest id (string order), whatever the
 * labels of the others. Cost: one shuffle of the rows by key (lazy).
 */
final class Deduplication {
  /** Rows that shared the kept row's key, the kept row included. */
  static final String ROWS = "_dup_rows";
  /** True when the rows sharing the key did not all have the same label. */
  static final String CONFLICT = "_dup_conflict";

  private static final String KEY = "_dup_key";
  private static final String FIRST = "_dup_first";

  private Deduplication() {}

  /** The kept rows: {@link RawColumns#schema()} plus {@link #ROWS} and {@link #CONFLICT}. */
  static Dataset<Row> apply(Dataset<Row> raw, Column key) {
    return raw.withColumn(KEY, key)
        .groupBy(KEY)
        .agg(
            min(struct(col(RawColumns.ID), col(RawColumns.LABEL), col(RawColumns.GROUP), col(RawColumns.TEXT))).as(FIRST),
            count(lit(1)).as(ROWS),
            min(RawColumns.LABEL).notEqual(max(RawColumns.LABEL)).as(CONFLICT))
        .select(
            col(FIRST + "." + RawColumns.ID).as(RawColumns.ID),
            col(FIRST + "." + RawColumns.LABEL).as(RawColumns.LABEL),
            col(FIRST + "." + RawColumns.GROUP).as(RawColumns.GROUP),
            col(FIRST + "." + RawColumns.TEXT).as(RawColumns.TEXT),
            col(ROWS),
            col(CONFLICT));
  }

  /**
   * Counts of the deduplicated rows (one job).
   *
   * @param keptByLabel kept rows per label, in first-seen order (labels with no row absent)
   * @param dropped rows dropped as duplicates
   * @param conflicts duplicate sets whose labels disagreed
   */
  record Stats(Map<String, Long> keptByLabel, long dropped, long conflicts) {
    static Stats of(Dataset<Row> deduplicated) {
      List<Row> rows =
          deduplicated
              .groupBy(RawColumns.LABEL)
              .agg(
                  count(lit(1)),
                  sum(col(ROWS).minus(lit(1))),
                  sum(when(col(CONFLICT), lit(1L)).otherwise(lit(0L))))
              .collectAsList();
      Map<String, Long> kept = new LinkedHashMap<>();
      long dropped = 0;
      long conflicts = 0;
      for (Row row : rows) {
        kept.put(row.getString(0), row.getLong(1));
        dropped += row.getLong(2);
        conflicts += row.getLong(3);
      }
      return new Stats(kept, dropped, conflicts);
    }

    long kept() {
      return keptByLabel.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
