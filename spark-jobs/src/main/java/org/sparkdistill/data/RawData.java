package org.sparkdistill.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated source: rows of {@link RawColumns#schema()} and how many there are.
 *
 * @param rows the rows, lazy where the source allows it
 * @param count number of rows (counted while validating)
 */
record RawData(Dataset<Row> rows, long count) {}
