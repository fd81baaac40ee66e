package org.sparkdistill.udfs.schema;

/**
 * Symmetric per-row int8 quantisation of a feature vector ({@code cache.features: int8}, layout in
 * {@link FeatureStorage}).
 *
 * <p>Rule: s = max_i |x_i| / 127 (computed in double, stored as float); q_i = round(x_i / s)
 * (half away from zero), clamped to [-127, 127]; an all-zero vector has s = 0 and q = 0. Decoding
 * is x'_i = q_i · s. Since s &gt;= max|x| / 127 up to float rounding, |x_i / s| &lt;= 127, so the
 * clamp only absorbs rounding and |x_i - x'_i| &lt;= s/2 (plus one float rounding of the product).
 * For an L2-normalised 384-dimensional MiniLM vector (max|x| about 0.2) s is about 1.6e-3, an
 * error under 8e-4 per element.
 *
 * <p>Cost: two passes over d floats per row to encode, one multiply per element to decode; no
 * allocation beyond the output array.
 */
public final class Int8Features {
  /** The largest magnitude of a stored byte; -128 is never written. */
  public static final int LEVELS = 127;

  private Int8Features() {}

  /**
   * The scale of {@code x}: max|x_i| / 127, 0 for an all-zero (or empty) vector.
   *
   * @throws IllegalArgumentException when an element is NaN or infinite (naming {@code where})
   */
  public static float scale(float[] x, String where) {
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      float v = x[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException(where + ": features[" + i + "] is " + v + ", int8 storage needs finite features (check the encoder's output)");
      }
      max = Math.max(max, Math.abs(v));
    }
    return (float) (max / LEVELS);
  }

  /** q_i = round(x_i / scale) clamped to [-127, 127]; all zero when {@code scale} is 0. */
  public static byte[] quantize(float[] x, float scale) {
    byte[] q = new byte[x.length];
    if (scale == 0f) {
      return q;
    }
    double inverse = 1.0 / scale;
    for (int i = 0; i < x.length; i++) {
      long r = Math.round(Math.abs(x[i] * inverse));
      int m = (int) Math.min(LEVELS, r);
      q[i] = (byte) (x[i] < 0 ? -m : m);
    }
    return q;
  }

  /** x'_i = q_i · scale. */
  public static float[] dequantize(byte[] q, float scale) {
    float[] x = new float[q.length];
    for (int i = 0; i < q.length; i++) {
      x[i] = q[i] * scale;
    }
    return x;
  }

  /**
   * Checks one stored row before decoding it.
   *
   * @param dimension the d the output's manifest records
   * @param where the file, row and reader, named in the error
   * @throws IllegalArgumentException for a missing, NaN, infinite or negative scale, or a byte
   *     array that is missing or not exactly {@code dimension} long
   */
  public static void check(byte[] q, Float scale, int dimension, String where) {
    if (scale == null || !Float.isFinite(scale) || scale < 0) {
      throw new IllegalArgumentException(
          where + ", column " + Columns.FEATURES_SCALE + ": scale is " + scale
              + ", expected a finite float >= 0 (max|x| / 127): the int8 cache is damaged, rerun the stage that wrote it with --overwrite");
    }
    if (q == null || q.length != dimension) {
      throw new IllegalArgumentException(
          where + ", column " + Columns.FEATURES_INT8 + ": " + (q == null ? "null" : q.length + " bytes")
              + ", expected " + dimension + " (the featureDimension of the manifest): the int8 cache is damaged, rerun the stage that wrote it with --overwrite");
    }
  }
}
