package org.sparkdistill.udfs.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.sparkdistill.udfs.uncertainty.DropoutMask;

/**
 * Monte-Carlo dropout with masks drawn in Java from (row id, pass, site, layer, seed) through
 * {@link DropoutMask}: a row's masks never depend on the other rows of its batch, its padding, the
 * thread or libtorch's process-wide generator, so a retried Spark task, another partitioning or
 * another batch size draws the same masks, and no lock is needed.
 *
 * <p>Active at the {@link DropoutSite#HEAD} site and at every site of the layers {@code >=
 * fromLayer} (the top N layers run K times, the lower ones once); the embeddings' site is active
 * only when {@code fromLayer} is 0. The head's mask is exactly {@link DropoutMask#mask(long, int,
 * long, int, double) mask(rowKey, pass, seed, hidden, rate)}, the mask of the frozen-encoder
 * teacher's MC dropout; the other sites mix (site, layer) into the seed. Attention-probability
 * masks are drawn for the full [heads, maxLength, maxLength] grid and cut to the batch's length, so
 * they too are independent of padding.
 *
 * <p>Cost per row and pass, in Java: one {@code nextDouble()} per masked element, i.e. for each MC
 * layer 2·L·hidden + heads·maxLength² (at 64 tokens, 12 heads, 384 wide: about 100,000), plus a
 * copy of each site's mask into native memory and one element-wise multiply in libtorch: about 4
 * ns per element on one CPU thread, about a tenth of whole-model MC time. {@link
 * TensorSeededDropout} ({@link McMasks#TENSOR}, the fine-tuned teacher's default) computes the
 * encoder's masks in tensor ops instead; this class stays as the baseline ({@link McMasks#JAVA})
 * and draws its head mask.
 */
public final class SeededDropout implements DropoutPolicy {
  private final long[] rowKeys;
  private final int pass;
  private final long seed;
  private final int fromLayer;
  private final int maxLength;

  /**
   * @param rowKeys {@link DropoutMask#rowKey} of each row of the batch, in batch order
   * @param pass the MC pass, >= 0
   * @param seed {@code score.seed}
   * @param fromLayer the first layer whose sites are active (the layer count: head only)
   * @param maxLength the tokenizer's maximum length (the attention masks' grid)
   */
  public SeededDropout(long[] rowKeys, int pass, long seed, int fromLayer, int maxLength) {
    if (pass < 0 || fromLayer < 0 || maxLength < 1) {
      throw new IllegalArgumentException("pass and fromLayer must be >= 0 and maxLength >= 1, got " + pass + ", " + fromLayer + ", " + maxLength);
    }
    this.rowKeys = rowKeys.clone();
    this.pass = pass;
    this.seed = seed;
    this.fromLayer = fromLayer;
    this.maxLength = maxLength;
  }

  @Override
  public boolean active(DropoutSite site, int layer) {
    return activeAt(site, layer, fromLayer);
  }

  /** The sites MC dropout over the layers {@code >= fromLayer} and the head changes. */
  static boolean activeAt(DropoutSite site, int layer, int fromLayer) {
    return site == DropoutSite.HEAD || (site == DropoutSite.EMBEDDINGS ? fromLayer == 0 : layer >= fromLayer);
  }

  @Override
  public NDArray apply(NDArray x, DropoutSite site, int layer, float rate) {
    if (rate == 0 || !active(site, layer)) {
      return x;
    }
    Shape shape = x.getShape();
    if (shape.get(0) != rowKeys.length) {
      throw new IllegalArgumentException("a batch of " + shape.get(0) + " rows, " + rowKeys.length + " row keys");
    }
    int batch = rowKeys.length;
    int width = (int) (shape.size() / batch);
    float[] mask = new float[batch * width];
    long siteSeed = siteSeed(seed, site, layer);
    for (int b = 0; b < batch; b++) {
      if (site == DropoutSite.ATTENTION_PROBS) {
        int heads = (int) shape.get(1);
        int length = (int) shape.get(2);
        if (length > maxLength) {
          throw new IllegalArgumentException("a batch of length " + length + " exceeds the maximum length " + maxLength);
        }
        float[] grid = DropoutMask.mask(rowKeys[b], pass, siteSeed, heads * maxLength * maxLength, rate);
        int o = b * width;
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < length; i++) {
            System.arraycopy(grid, (h * maxLength + i) * maxLength, mask, o, length);
            o += length;
          }
        }
      } else {
        // [L, hidden] row-major: the first L·hidden draws, the same for any padded length
        System.arraycopy(DropoutMask.mask(rowKeys[b], pass, siteSeed, width, rate), 0, mask, b * width, width);
      }
    }
    return x.mul(x.getManager().create(mask, shape));
  }

  /** The seed of {@code site} of {@code layer}: {@code seed} itself at the head, else (site, layer) mixed into it. */
  static long siteSeed(long seed, DropoutSite site, int layer) {
    return site == DropoutSite.HEAD ? seed : mix(seed, site, layer);
  }

  private static long mix(long seed, DropoutSite site, int layer) {
    long z = seed + 0x9E3779B97F4A7C15L * (1 + site.ordinal() * 64L + (layer + 1));
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
