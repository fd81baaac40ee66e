package org.sparkdistill.udfs.text;

/**
 * Token ids of a batch, padded to the longest row of the batch.
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
}
