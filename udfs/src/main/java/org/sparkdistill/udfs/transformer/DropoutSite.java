package org.sparkdistill.udfs.transformer;

/**
 * Where a BERT classifier applies dropout (the sites of Hugging Face's BertModel, plus the head):
 * each is on only in training ({@link DropoutPolicy#ENGINE}) or in Monte-Carlo scoring ({@link
 * TensorSeededDropout}, {@link SeededDropout}), never in a plain forward ({@link DropoutPolicy#OFF}).
 */
public enum DropoutSite {
  /** After the embeddings' LayerNorm; rate: the hidden dropout. */
  EMBEDDINGS,
  /** On the attention probabilities of each layer; rate: the attention dropout. */
  ATTENTION_PROBS,
  /** On the attention block's output projection, before the residual add; rate: the hidden dropout. */
  ATTENTION_OUTPUT,
  /** On the feed-forward block's output, before the residual add; rate: the hidden dropout. */
  FFN_OUTPUT,
  /** On the pooled sentence vector, before the linear head; rate: {@code teacher.dropout}. */
  HEAD
}
