package org.sparkdistill.udfs.transformer;

import java.io.Serializable;

/**
 * The sizes of a BERT encoder (Devlin et al. 2019; all-MiniLM-L6-v2: vocabulary 30,522, 512
 * positions, 2 token types, hidden 384, 6 layers, 12 heads of 32, feed-forward 1,536, LayerNorm
 * epsilon 1e-12). Everything but the head count and epsilon is read off the weights; the head
 * count is not stored in an ONNX file's initializers and comes from configuration.
 */
public record BertShape(
    int vocabSize, int maxPositions, int typeVocabSize, int hidden, int layers, int heads, int intermediate, float layerNormEps)
    implements Serializable {

  public BertShape {
    if (vocabSize < 1 || maxPositions < 1 || typeVocabSize < 1 || hidden < 1 || layers < 1 || heads < 1 || intermediate < 1) {
      throw new IllegalArgumentException("every BERT size must be >= 1, got " + sizes(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, intermediate));
    }
    if (hidden % heads != 0) {
      throw new IllegalArgumentException("the hidden size " + hidden + " is not a multiple of the attention head count " + heads + " (teacher.finetune.attentionHeads)");
    }
    if (!(layerNormEps > 0)) {
      throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
    }
  }

  /** Width of one attention head. */
  public int headSize() {
    return hidden / heads;
  }

  /** Parameters of the encoder (no head). */
  public long parameterCount() {
    long h = hidden;
    long embeddings = (long) (vocabSize + maxPositions + typeVocabSize) * h + 2 * h;
    long attention = 4 * (h * h + h) + 2 * h;
    long ffn = h * intermediate + intermediate + intermediate * h + h + 2 * h;
    return embeddings + layers * (attention + ffn);
  }

  private static String sizes(int... v) {
    return java.util.Arrays.toString(v);
  }
}
