package org.sparkdistill.udfs.transformer;

import java.io.Serializable;
import java.util.List;

/**
 * What a fine-tuned teacher artifact is ({@code finetuned.json} beside {@code finetuned.params}):
 * enough to rebuild the block and to refuse an artifact from another encoder, tokenizer or label set.
 *
 * @param format artifact format version ({@link #FORMAT})
 * @param shape the encoder's sizes
 * @param labels class order of the head's logits
 * @param hiddenDropout dropout after the embeddings and on each layer's two residual branches
 * @param attentionDropout dropout on the attention probabilities
 * @param headDropout dropout on the pooled vector before the head ({@code teacher.dropout})
 * @param normalize whether the head reads the L2-normalised pooled vector
 * @param maxLength tokenizer maximum length it was trained with
 * @param encoderSha256 sha256 of the ONNX file its weights started from
 * @param tokenizerSha256 sha256 of its tokenizer.json
 */
public record FineTunedMeta(
    int format,
    BertShape shape,
    List<String> labels,
    float hiddenDropout,
    float attentionDropout,
    float headDropout,
    boolean normalize,
    int maxLength,
    String encoderSha256,
    String tokenizerSha256)
    implements Serializable {
  public static final int FORMAT = 1;
  public static final String META_FILE = "finetuned.json";
  public static final String PARAMS_FILE = "finetuned.params";
}
