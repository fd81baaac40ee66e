package org.sparkdistill.udfs.kgc;

import java.io.Serializable;
import java.util.Locale;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * A fine-tuned bi-encoder as executors load it.
 *
 * @param paramsFile {@link BiEncoderMeta#PARAMS_FILE}, with the sha256 its stage manifest recorded
 * @param meta its description
 * @param tokenizerFile the tokenizer it was trained with
 * @param tokenizer maximum length and truncation
 * @param device where it runs
 */
public record BiEncoderSpec(ModelFile paramsFile, BiEncoderMeta meta, ModelFile tokenizerFile, TokenizerSettings tokenizer, DeviceSelector.Preference device)
    implements Serializable {

  /** Identifies a loaded bi-encoder in the model cache. */
  public String cacheKey(ai.djl.Device onDevice) {
    return String.format(Locale.ROOT, "bi-encoder:%s|%s", paramsFile.cacheKey(), onDevice);
  }

  public String tokenizerCacheKey() {
    return String.format(Locale.ROOT, "tokenizer:%s|%s", tokenizerFile.cacheKey(), tokenizer);
  }
}
