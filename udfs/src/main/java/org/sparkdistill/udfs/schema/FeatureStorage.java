package org.sparkdistill.udfs.schema;

/**
 * How the {@code features} of the {@code encode} and {@code score} outputs are stored ({@code
 * cache.features}). Both are plain Parquet types, decoded by any Parquet reader without this
 * project's code:
 *
 * <ul>
 *   <li>{@code float32}: column {@code features}, {@code array<float>} (Parquet: a LIST of FLOAT),
 *       d values per row; about 1.02x the raw 4·d bytes per row after encoding and compression.
 *   <li>{@code int8}: column {@code features_int8}, {@code binary} (Parquet: BYTE_ARRAY) of exactly
 *       d bytes, each a two's-complement signed byte q_i in [-127, 127]; and column {@code
 *       features_scale}, {@code float} (Parquet: FLOAT), the row's scale s &gt;= 0. The vector is
 *       x_i = q_i · s. The writer's rule ({@link Int8Features}): s = max_i |x_i| / 127, q_i =
 *       round(x_i / s) clamped to [-127, 127]; an all-zero row has s = 0 and q = 0. So |x_i - q_i·s|
 *       &lt;= s/2 for every element, and a row costs d + 8 bytes before compression instead of 4·d.
 *       d is recorded in the output's manifest (metric {@code featureDimension}); both columns sit
 *       where {@code features} sits in the float32 schema.
 * </ul>
 *
 * <p>The storage is recorded in the output's plan (setting {@code cache.features}, present only
 * for int8, so float32 outputs keep the fingerprints they had before the setting existed) and in
 * its manifest's metrics ({@code featureStorage}); readers decide from the manifest, never from
 * the data.
 */
public enum FeatureStorage {
  FLOAT32,
  INT8;

  /** The configuration and manifest spelling: {@code float32} or {@code int8}. */
  public String value() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The storage spelled {@code text} ({@code float32} or {@code int8}, any case).
   *
   * @param source what the text came from, named in the error
   */
  public static FeatureStorage parse(String text, String source) {
    for (FeatureStorage s : values()) {
      if (s.value().equalsIgnoreCase(text == null ? "" : text.trim())) {
        return s;
      }
    }
    throw new IllegalArgumentException(source + ": cache.features must be one of float32, int8, got: '" + text + "'");
  }
}
