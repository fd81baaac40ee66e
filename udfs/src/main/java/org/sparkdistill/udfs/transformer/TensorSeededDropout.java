package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;

/**
 * Monte-Carlo dropout with the sites and keys of {@link SeededDropout} (active at the head and at
 * every site of the layers {@code >= fromLayer}; the site seed mixes (site, layer) into {@code
 * score.seed}), the encoder's masks computed by {@link TensorDropoutMasks} in tensor ops on the
 * activations' device instead of drawn in Java.
 *
 * <p>The {@link DropoutSite#HEAD} site keeps {@link SeededDropout}'s Java mask, i.e. exactly the
 * frozen-encoder teacher's {@link org.sparkdistill.udfs.uncertainty.DropoutMask} mask: it is one
 * [batch, hidden] vector per pass (microseconds), and head-only MC ({@code mcLayers: 0}) then
 * draws the same masks as the frozen teacher's MC over the same features.
 */
public final class TensorSeededDropout implements DropoutPolicy {
  private final TensorDropoutMasks masks;
  private final SeededDropout head;
  private final long[] rowKeys;
  private final int pass;
  private final long seed;
  private final int fromLayer;

  /**
   * @param masks the teacher's index table (its maxLength is the attention masks' grid)
   * @param rowKeys {@link org.sparkdistill.udfs.uncertainty.DropoutMask#rowKey} of each row of the batch, in batch order
   * @param pass the MC pass, >= 0
   * @param seed {@code score.seed}
   * @param fromLayer the first layer whose sites are active (the layer count: head only)
   * @param maxLength the tokenizer's maximum length
   */
  public TensorSeededDropout(TensorDropoutMasks masks, long[] rowKeys, int pass, long seed, int fromLayer, int maxLength) {
    this.head = new SeededDropout(rowKeys, pass, seed, fromLayer, maxLength);
    this.masks = masks;
    this.rowKeys = rowKeys.clone();
    this.pass = pass;
    this.seed = seed;
    this.fromLayer = fromLayer;
  }

  @Override
  public boolean active(DropoutSite site, int layer) {
    return SeededDropout.activeAt(site, layer, fromLayer);
  }

  @Override
  public NDArray apply(NDArray x, DropoutSite site, int layer, float rate) {
    if (rate == 0 || !active(site, layer)) {
      return x;
    }
    if (site == DropoutSite.HEAD) {
      return head.apply(x, site, layer, rate);
    }
    return masks.apply(x, site == DropoutSite.ATTENTION_PROBS, rowKeys, pass, SeededDropout.siteSeed(seed, site, layer), rate);
  }
}
