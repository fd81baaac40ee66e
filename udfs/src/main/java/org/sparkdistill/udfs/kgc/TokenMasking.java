package org.sparkdistill.udfs.kgc;

import java.util.SplittableRandom;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * PMD's "masked generation feature" input (Fan et al., AAAI 2024): in each text, {@code k =
 * floor(rate · n)} of its n word-piece positions (the real tokens between {@code [CLS]} and the
 * last {@code [SEP]}) are replaced by the {@code [MASK]} id; teacher and student then read the same
 * masked ids, and the feature loss compares their last-layer states at those positions.
 *
 * <p>The positions of a row are drawn from a {@link SplittableRandom} seeded by a SplitMix64 mix of
 * (seed, row key), by a partial Fisher–Yates shuffle: they depend on neither the batch, its padding
 * nor libtorch's generator, so a rerun masks the same tokens. Cost: O(n) per row, in Java.
 */
public final class TokenMasking {
  private TokenMasking() {}

  /**
   * The masked batch and where it was masked.
   *
   * @param tokens the batch with masked positions set to the mask id (other ids, masks and types unchanged)
   * @param positions [B][L]: 1 where a token was masked, else 0
   * @param masked tokens masked in the batch
   */
  public record Masked(TokenizedBatch tokens, float[][] positions, long masked) {}

  /**
   * Masks {@code batch}.
   *
   * @param rate share of each row's maskable positions, in [0, 1)
   * @param maskId the tokenizer's {@code [MASK]} id
   * @param seed one value per (run, epoch, side): another seed, another draw
   * @param rowKeys one key per row (e.g. the pair's index), so a row's mask never depends on its batch
   */
  public static Masked mask(TokenizedBatch batch, double rate, long maskId, long seed, long[] rowKeys) {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("the mask rate must be in [0, 1), got " + rate);
    }
    if (rowKeys.length != batch.size()) {
      throw new IllegalArgumentException("a batch of " + batch.size() + " rows, " + rowKeys.length + " row keys");
    }
    long[][] ids = new long[batch.size()][];
    float[][] positions = new float[batch.size()][batch.length()];
    long masked = 0;
    for (int r = 0; r < ids.length; r++) {
      ids[r] = batch.inputIds()[r].clone();
      int maskable = Math.max(0, batch.numTokens()[r] - 2);
      int k = (int) Math.floor(rate * maskable);
      if (k == 0) {
        continue;
      }
      int[] order = new int[maskable];
      for (int i = 0; i < maskable; i++) {
        order[i] = i + 1; // position 0 is [CLS], numTokens - 1 the last [SEP]
      }
      SplittableRandom random = new SplittableRandom(mix(seed, rowKeys[r]));
      for (int i = 0; i < k; i++) {
        int j = i + random.nextInt(maskable - i);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
        ids[r][order[i]] = maskId;
        positions[r][order[i]] = 1f;
      }
      masked += k;
    }
    return new Masked(new TokenizedBatch(ids, batch.attentionMask(), batch.typeIds(), batch.numTokens(), batch.truncated()), positions, masked);
  }

  /** The attention mask as feature positions (every real token): the unmasked feature loss. */
  public static float[][] allTokens(TokenizedBatch batch) {
    float[][] out = new float[batch.size()][batch.length()];
    for (int r = 0; r < out.length; r++) {
      for (int i = 0; i < batch.length(); i++) {
        out[r][i] = batch.attentionMask()[r][i];
      }
    }
    return out;
  }

  private static long mix(long seed, long key) {
    long z = seed * 0x9E3779B97F4A7C15L + key;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
