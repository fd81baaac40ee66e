package org.sparkdistill.udfs.schema;

import java.util.List;
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

  /** @param stage the stage writing, named in an error */
  public Int8FeatureRows(String stage) {
    this.stage = stage;
  }

  @Override
  public Row call(Row row) {
    StructType schema = row.schema();
    int n = schema.fields().length;
    Object[] out = new Object[n + 1];
    int j = 0;
    for (int i = 0; i < n; i++) {
      if (schema.fields()[i].name().equals(Columns.FEATURES)) {
        List<Float> list = row.getList(i);
        float[] x = RowArrays.floats(list);
        String where = "stage " + stage + ", row " + Columns.ID + "=" + (schema.getFieldIndex(Columns.ID).isDefined() ? row.getAs(Columns.ID) : "?");
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
