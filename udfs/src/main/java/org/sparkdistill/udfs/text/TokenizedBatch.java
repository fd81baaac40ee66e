package org.sparkdistill.udfs.text;

import java.util.Arrays;

/**
 * Token ids of a batch, padded (on the right) to the longest row of the batch.
 *
 * @param inputIds token ids, {@code [batch][length]}
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param typeIds segment ids (all 0 for single texts)
 * @param numTokens real tokens per row, special tokens included
 * @param truncated whether a row was cut to the configured maximum length
 */
public record TokenizedBatch(
    long[][] inputIds, long[][] attentionMask, long[][] typeIds, int[] numTokens, boolean[] truncated) {

  public int size() {
    return inputIds.length;
  }

  public int length() {
    return inputIds.length == 0 ? 0 : inputIds[0].length;
  }

  /** Tokens the encoder processes for this batch, padding included: {@code size() * length()}. */
  public long paddedTokens() {
    return (long) size() * length();
  }

  /**
   * The rows {@code rows} (indices into this batch, in that order), padded to the longest of them
   * rather than to this batch's longest: the same ids, masks and type ids a tokenizer call on those
   * rows alone would give (padding is on the right and masked out).
   */
  public TokenizedBatch select(int[] rows) {
    int length = 0;
    for (int r : rows) {
      length = Math.max(length, numTokens[r]);
    }
    long[][] ids = new long[rows.length][];
    long[][] mask = new long[rows.length][];
    long[][] types = new long[rows.length][];
    int[] tokens = new int[rows.length];
    boolean[] cut = new boolean[rows.length];
    for (int i = 0; i < rows.length; i++) {
      int r = rows[i];
      ids[i] = Arrays.copyOf(inputIds[r], length);
      mask[i] = Arrays.copyOf(attentionMask[r], length);
      types[i] = Arrays.copyOf(typeIds[r], length);
      tokens[i] = numTokens[r];
      cut[i] = truncated[r];
    }
    return new TokenizedBatch(ids, mask, types, tokens, cut);
  }
}
