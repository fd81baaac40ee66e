package org.sparkdistill.data;

import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createStructField;

import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparkdistill.udfs.schema.Columns;

/**
 * The internal shape every source is read into before deduplication and splitting: id, label,
 * group, text, all non-null strings (sources validate before producing it).
 */
final class RawColumns {
  static final String ID = Columns.ID;
  static final String LABEL = Columns.LABEL;
  static final String GROUP = Columns.GROUP;
  static final String TEXT = Columns.TEXT;

  private RawColumns() {}

  static StructType schema() {
    return new StructType(
        new StructField[] {
          createStructField(ID, StringType, false),
          createStructField(LABEL, StringType, false),
          createStructField(GROUP, StringType, false),
          createStructField(TEXT, StringType, false),
        });
  }
}
