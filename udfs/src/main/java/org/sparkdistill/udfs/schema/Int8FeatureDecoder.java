package org.sparkdistill.udfs.schema;

import org.apache.spark.sql.api.java.UDF4;

/**
 * The Spark function behind every read of an int8 cache: (features_int8, features_scale, id,
 * file) to the float vector q_i · s, after {@link Int8Features#check} (a bad scale or a byte
 * array of the wrong length fails naming the file, the row's id and the column).
 */
public final class Int8FeatureDecoder implements UDF4<byte[], Float, Object, String, float[]> {
  private static final long serialVersionUID = 1L;

  private final int dimension;
  private final String source;

  /**
   * @param dimension d, from the manifest
   * @param source the output directory, named in an error where the file is unknown
   */
  public Int8FeatureDecoder(int dimension, String source) {
    this.dimension = dimension;
    this.source = source;
  }

  @Override
  public float[] call(byte[] q, Float scale, Object id, String file) {
    if (scale == null || q == null || q.length != dimension || !(scale >= 0) || Float.isInfinite(scale)) {
      String where = (file == null || file.isEmpty() ? source : file) + ", row " + Columns.ID + "=" + id;
      Int8Features.check(q, scale, dimension, where);
    }
    return Int8Features.dequantize(q, scale);
  }
}
