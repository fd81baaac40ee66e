package org.sparkdistill.udfs.schema;

import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Rows of a float32 schema ({@code features} as {@code array<float>}) as rows of {@link
 * CacheSchemas#stored} int8: {@code features} becomes {@code features_int8} + {@code
 * features_scale} ({@link Int8Features}), every other column is copied. Runs on the executors
 * just before a stage writes; the written vectors are never held twice.
 */
public final class Int8FeatureRows implements MapFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final String stage;
  private final int features;
  private final int id;

  /**
   * @param source the schema of the float32 rows
   * @param stage the stage writing, named in an error
   */
  public Int8FeatureRows(StructType source, String stage) {
    this.stage = stage;
    this.features = source.fieldIndex(Columns.FEATURES);
    this.id = source.getFieldIndex(Columns.ID).isDefined() ? source.fieldIndex(Columns.ID) : -1;
  }

  @Override
  public Row call(Row row) {
    int n = row.length();
    Object[] out = new Object[n + 1];
    int j = 0;
    for (int i = 0; i < n; i++) {
      if (i == features) {
        // rows straight from a mapPartitions may carry the float[] they were built with
        Object value = row.get(i);
        float[] x = value instanceof float[] f ? f.clone() : RowArrays.floats(row.getList(i));
        String where = "stage " + stage + ", row " + Columns.ID + "=" + (id < 0 ? "?" : row.get(id));
        float scale = Int8Features.scale(x, where);
        out[j++] = Int8Features.quantize(x, scale);
        out[j++] = scale;
      } else {
        out[j++] = row.get(i);
      }
    }
    return RowFactory.create(out);
  }
}
