package org.sparkdistill.data;

import java.util.Locale;
import org.apache.spark.sql.Row;
import org.sparkdistill.config.DistillConfig;
import org.sparkdistill.udfs.schema.Columns;

/**
 * The limit on skipped rows ({@code data.onInvalid: skip}): a source where more than {@code
 * data.maxInvalidFraction} of the rows are invalid is refused before anything is written, with
 * the count, the share and the first reason, since such a source is usually the wrong file or the
 * wrong {@code data.columns} rather than a few damaged rows.
 */
final class InvalidRows {
  private InvalidRows() {}

  /**
   * @return {@code raw} unchanged when its rejected share is within the limit
   * @throws IllegalArgumentException naming the counts, the limit, the first rejected row and the fix
   */
  static RawData require(RawData raw, DistillConfig.DataSettings data) {
    long total = raw.sourceRows();
    if (raw.rejectedCount() == 0 || total == 0) {
      return raw;
    }
    double share = raw.rejectedCount() / (double) total;
    if (share > data.maxInvalidFraction || raw.count() == 0) {
      Row first = raw.rejected().orderBy(Columns.SOURCE_FILE, Columns.LOCATION).first();
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "data.path %s: %d of %d rows (%.2f%%) are invalid, more than data.maxInvalidFraction %s allows (data.onInvalid: skip); first: %s, %s: %s; fix the data or data.columns, or raise data.maxInvalidFraction",
              data.path,
              raw.rejectedCount(),
              total,
              100 * share,
              data.maxInvalidFraction,
              first.getString(0),
              first.getString(1),
              first.getString(3)));
    }
    return raw;
  }
}
