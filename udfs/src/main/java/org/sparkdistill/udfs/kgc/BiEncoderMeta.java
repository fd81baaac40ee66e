package org.sparkdistill.udfs.kgc;

import java.io.Serializable;
import org.sparkdistill.udfs.transformer.BertShape;

/**
 * What a fine-tuned bi-encoder artifact is ({@link #META_FILE} beside {@link #PARAMS_FILE}): enough
 * to rebuild the block and to refuse an artifact from another encoder or tokenizer.
 *
 * @param format artifact format version ({@link #FORMAT})
 * @param shape the sizes of each of the two encoders
 * @param hiddenDropout dropout after the embeddings and on each layer's residual branches
 * @param attentionDropout dropout on the attention probabilities
 * @param maxLength tokenizer maximum length it was trained with ({@code pmd.maxLength})
 * @param temperature τ at the end of training
 * @param encoderSha256 sha256 of the ONNX file both encoders started from
 * @param tokenizerSha256 sha256 of its tokenizer.json
 */
public record BiEncoderMeta(
    int format, BertShape shape, float hiddenDropout, float attentionDropout, int maxLength, double temperature, String encoderSha256, String tokenizerSha256)
    implements Serializable {
  public static final int FORMAT = 1;
  public static final String META_FILE = "bi-encoder.json";
  public static final String PARAMS_FILE = "bi-encoder.params";
}
