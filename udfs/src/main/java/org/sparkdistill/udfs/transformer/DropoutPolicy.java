package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;

/**
 * What a forward does at each {@link DropoutSite}: nothing (inference), libtorch's dropout
 * (training; draws from libtorch's process-wide generator), or masks keyed by (row, pass, site,
 * layer, seed), reproducible under a Spark task retry: computed in tensor ops ({@link
 * TensorSeededDropout}, MC scoring's default) or drawn in Java ({@link SeededDropout}).
 */
public interface DropoutPolicy {
  /** Dropout off: the identity at every site. */
  DropoutPolicy OFF = (x, site, layer, rate) -> x;

  /** libtorch's inverted dropout, for training (autograd flows through it). */
  DropoutPolicy ENGINE = (x, site, layer, rate) -> rate == 0 ? x : x.getNDArrayInternal().dropout(x, rate, true).singletonOrThrow();

  /**
   * {@code x} after dropout at {@code site} of {@code layer} (-1 outside the layers).
   *
   * @param rate dropout probability in [0, 1)
   */
  NDArray apply(NDArray x, DropoutSite site, int layer, float rate);

  /** Whether this policy can change {@code site} of {@code layer} at all (a forward may skip work when not). */
  default boolean active(DropoutSite site, int layer) {
    return this != OFF;
  }
}
