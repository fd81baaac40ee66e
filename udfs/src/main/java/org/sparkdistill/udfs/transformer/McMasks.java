package org.sparkdistill.udfs.transformer;

/**
 * Which generator draws a fine-tuned teacher's Monte-Carlo dropout masks. Both are keyed by (row
 * id, pass, site, layer, seed), so either is reproducible under a Spark task retry, another
 * partitioning or another batch size; they draw different masks, so each has a {@link #version()}
 * that {@code score}'s plan records (a cache drawn by one is never reused for the other).
 */
public enum McMasks {
  /**
   * {@link SeededDropout}: one {@code SplittableRandom} draw per element in Java, copied into a
   * native array per site: the baseline (about 4 ns per element on one CPU thread, a tenth of
   * whole-model MC time).
   */
  JAVA("java-splittable-v1"),
  /**
   * {@link TensorSeededDropout}, the default: a counter-based hash in float64 tensor ops on the
   * activations' device ({@link TensorDropoutMasks}; about 2.5 ns per element on one CPU thread,
   * and no host-to-device copy of the masks); the head's mask still comes from Java.
   */
  TENSOR("tensor-head-java-" + TensorDropoutMasks.VERSION);

  private final String version;

  McMasks(String version) {
    this.version = version;
  }

  /** The masks' formula and constants, by name: recorded in {@code score}'s plan. */
  public String version() {
    return version;
  }
}
