package org.sparkdistill.data;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;

/**
 * Seeded hashes of row values, the only source of randomness in preparation: a row's fate depends
 * on (purpose, seed, value) alone, never on partitioning, parallelism or evaluation order, so the
 * same config and data give the same result on any cluster. Uses Spark's {@code xxhash64}, whose
 * output has been stable across Spark releases.
 */
final class Hashing {
  private static final double TWO_TO_53 = 9007199254740992.0;

  private Hashing() {}

  /**
   * A 64-bit hash of {@code value} salted with {@code purpose} and {@code seed}; different
   * purposes give independent orders.
   */
  static Column hash(String purpose, long seed, Column value) {
    return xxhash64(lit(purpose), lit(seed), value);
  }

  /** A uniform double in [0, 1) from {@link #hash}: the top 53 bits over 2^53. */
  static Column unit(String purpose, long seed, Column value) {
    return shiftrightunsigned(hash(purpose, seed, value), 11).cast("double").divide(lit(TWO_TO_53));
  }
}
