package org.sparkdistill.udfs.inference;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.sparkdistill.udfs.schema.Columns;

/** The ids and texts of a batch of example rows, in row order; ids name rows in errors. */
record TextBatch(List<String> ids, List<String> texts) {
  /** Batches read ahead and sorted by text length, so a batch pads little. */
  static final int WINDOW_BATCHES = 8;

  static TextBatch of(List<Row> rows) {
    List<String> ids = new ArrayList<>(rows.size());
    List<String> texts = new ArrayList<>(rows.size());
    for (Row row : rows) {
      ids.add(row.getAs(Columns.ID));
      texts.add(row.getAs(Columns.TEXT));
    }
    return new TextBatch(ids, texts);
  }

  /** Sort key of {@link Batches#mapInLengthSortedBatches}: characters are a cheap proxy for tokens. */
  static int length(Row row) {
    return row.<String>getAs(Columns.TEXT).length();
  }
}
