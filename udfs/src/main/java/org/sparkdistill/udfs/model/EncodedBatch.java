package org.sparkdistill.udfs.model;

/**
 * Sentence vectors of one batch, in input order.
 *
 * @param vectors {@code [batch][dimension]}
 * @param numTokens tokens the encoder saw per row, special tokens included
 * @param truncated whether a row was cut to the maximum length
 */
public record EncodedBatch(float[][] vectors, int[] numTokens, boolean[] truncated) {}
