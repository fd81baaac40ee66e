package org.sparkdistill.udfs.transformer;

import java.io.Serializable;
import java.util.Locale;
import org.sparkdistill.udfs.model.DeviceSelector;
import org.sparkdistill.udfs.model.ModelFile;
import org.sparkdistill.udfs.text.TokenizerSettings;

/**
 * A fine-tuned teacher as executors load it.
 *
 * @param paramsFile {@code finetuned.params} of the published train-teacher output, with its sha256
 * @param meta the artifact's description ({@code finetuned.json}, read on the driver)
 * @param tokenizerFile the encoder's tokenizer.json
 * @param tokenizer maximum length and truncation
 * @param device where it runs
 */
public record FineTunedSpec(ModelFile paramsFile, FineTunedMeta meta, ModelFile tokenizerFile, TokenizerSettings tokenizer, DeviceSelector.Preference device)
    implements Serializable {

  /** Identifies a loaded model in the model cache. */
  public String cacheKey(ai.djl.Device onDevice) {
    return String.format(Locale.ROOT, "finetuned:%s|%s", paramsFile.cacheKey(), onDevice);
  }

  public String tokenizerCacheKey() {
    return String.format(Locale.ROOT, "tokenizer:%s|%s", tokenizerFile.cacheKey(), tokenizer);
  }
}
