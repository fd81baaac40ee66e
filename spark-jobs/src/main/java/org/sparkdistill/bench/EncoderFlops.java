package org.sparkdistill.bench;

import java.util.List;
import org.sparkdistill.udfs.text.TokenizedBatch;

/**
 * Floating-point operations of a BERT-style encoder forward (all-MiniLM-L6-v2: 6 layers, hidden
 * 384, feed-forward 1536), counted on the padded batch the runtime actually computes: per layer
 * and batch of B rows x L tokens, the Q, K, V, output and two feed-forward matmuls {@code 2 B L
 * (4 h^2 + 2 h f)} plus attention scores and their weighted sum {@code 4 B L^2 h}. Embedding
 * lookups, LayerNorm, softmax and GELU are left out (under 2% here). About 21.2 MFLOP per token
 * at short lengths, 2.7 GFLOP per 128-token text.
 */
public record EncoderFlops(int layers, int hidden, int feedForward) {
  public static final EncoderFlops MINILM_L6 = new EncoderFlops(6, 384, 1536);

  public double of(TokenizedBatch batch) {
    double b = batch.size();
    double l = batch.length();
    double h = hidden;
    return layers * (2 * b * l * (4 * h * h + 2 * h * feedForward) + 4 * b * l * l * h);
  }

  public double of(List<TokenizedBatch> batches) {
    double sum = 0;
    for (TokenizedBatch b : batches) {
      sum += of(b);
    }
    return sum;
  }
}
