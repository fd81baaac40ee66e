package org.sparkdistill.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated source: rows of {@link RawColumns#schema()} and how many there are, and, with
 * {@code data.onInvalid: skip}, the rows that were left out.
 *
 * @param rows the valid rows, lazy where the source allows it
 * @param count number of valid rows (counted while validating)
 * @param rejected rows of {@code CacheSchemas.quarantine()}; null when nothing was rejected
 * @param rejectedCount number of rejected rows (0 with {@code onInvalid: fail})
 */
record RawData(Dataset<Row> rows, long count, Dataset<Row> rejected, long rejectedCount) {
  /** A source with no rejected rows. */
  static RawData valid(Dataset<Row> rows, long count) {
    return new RawData(rows, count, null, 0);
  }

  /** Valid and rejected rows together: what the source held. */
  long sourceRows() {
    return count + rejectedCount;
  }
}
