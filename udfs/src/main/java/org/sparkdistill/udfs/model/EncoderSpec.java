package org.sparkdistill.udfs.model;

import java.io.Serializable;
import java.util.Locale;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * Everything needed to load a frozen ONNX sentence encoder on an executor. The files are URIs
 * every executor can read (HDFS, S3A, or a local path present on every node) with the sha256 the
 * manifest records; loaders verify them (see {@link VerifiedModelFiles}).
 *
 * @param modelFile the {@code .onnx} file
 * @param tokenizerFile its {@code tokenizer.json}
 * @param tokenizer maximum length and truncation
 * @param pooling how token vectors become one sentence vector
 * @param normalize whether the sentence vector is L2-normalised
 * @param intraOpThreads ONNX Runtime threads per model call; size it to the cores of one task slot
 * @param device where the model runs (see {@link DeviceSelector})
 */
public record EncoderSpec(
    ModelFile modelFile,
    ModelFile tokenizerFile,
    TokenizerSettings tokenizer,
    Pooling pooling,
    boolean normalize,
    int intraOpThreads,
    DeviceSelector.Preference device)
    implements Serializable {

  public EncoderSpec {
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException("encoder intraOpThreads must be >= 1, got: " + intraOpThreads);
    }
  }

  /** Identifies a loaded model in {@link ModelCache}: the files' bytes (sha256), settings and device. */
  public String cacheKey(ai.djl.Device onDevice) {
    return String.format(
        Locale.ROOT,
        "onnx-encoder:%s|%s|%s|%d|%s",
        modelFile.cacheKey(),
        tokenizerFile.cacheKey(),
        tokenizer,
        intraOpThreads,
        onDevice);
  }
}
