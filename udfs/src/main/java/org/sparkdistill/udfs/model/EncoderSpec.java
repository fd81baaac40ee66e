package org.sparkdistill.udfs.model;

import java.io.File;
import java.io.Serializable;
import java.util.Locale;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * Everything needed to load a frozen ONNX sentence encoder on an executor. Paths must be readable
 * from every executor (a shared filesystem, or files shipped with {@code --files}).
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
    String modelFile,
    String tokenizerFile,
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

  /** Identifies a loaded model in {@link ModelCache}: file version, settings and device. */
  public String cacheKey(ai.djl.Device onDevice) {
    File f = new File(modelFile);
    File t = new File(tokenizerFile);
    return String.format(
        Locale.ROOT,
        "onnx-encoder:%s@%d/%d|%s@%d/%d|%s|%d|%s",
        f.getAbsolutePath(),
        f.length(),
        f.lastModified(),
        t.getAbsolutePath(),
        t.length(),
        t.lastModified(),
        tokenizer,
        intraOpThreads,
        onDevice);
  }
}
